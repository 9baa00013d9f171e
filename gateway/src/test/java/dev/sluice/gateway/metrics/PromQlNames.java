package dev.sluice.gateway.metrics;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The metric names and label names a PromQL expression (or a Grafana target, with its {@code $var}
 * variables) refers to: series selectors, label matchers and the label lists of {@code by}, {@code
 * without}, {@code on}, {@code ignoring}, {@code group_left} and {@code group_right}. Function and
 * aggregation names, keywords, numbers, durations, ranges and string literals are skipped. No
 * parser of PromQL is kept up on Maven Central, and this check needs only the names, so a tokenizer
 * it is; {@code PromQlNamesTest} pins it on awkward expressions.
 */
record PromQlNames(Set<String> metrics, Set<String> labels) {
  private static final Set<String> KEYWORDS =
      Set.of("and", "or", "unless", "bool", "offset", "atan2", "inf", "nan");
  private static final Set<String> LABEL_LISTS =
      Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

  static PromQlNames of(String expr) {
    return new Scanner(expr).scan();
  }

  private static final class Scanner {
    private final String s;
    private int i;
    private final Set<String> metrics = new TreeSet<>();
    private final Set<String> labels = new TreeSet<>();

    Scanner(String s) {
      this.s = s;
    }

    PromQlNames scan() {
      while (i < s.length()) {
        char c = s.charAt(i);
        if (Character.isWhitespace(c)) {
          i++;
        } else if (c == '"' || c == '\'' || c == '`') {
          skipString();
        } else if (c == '#') {
          while (i < s.length() && s.charAt(i) != '\n') {
            i++;
          }
        } else if (c == '[') {
          skipPast(']'); // a range or subquery: durations and Grafana's $__rate_interval
        } else if (c == '{') {
          matchers();
        } else if (c == '$') {
          skipVariable();
        } else if (Character.isDigit(c) || c == '.') {
          skipNumber();
        } else if (isIdentStart(c)) {
          identifier();
        } else {
          i++; // operators and parentheses
        }
      }
      return new PromQlNames(metrics, labels);
    }

    private void identifier() {
      String word = word();
      String lower = word.toLowerCase(Locale.ROOT);
      int after = i;
      skipSpaces();
      boolean call = i < s.length() && s.charAt(i) == '(';
      if (LABEL_LISTS.contains(lower)) {
        if (call) {
          labelList();
        }
      } else if (lower.equals("offset")) {
        skipSpaces();
        skipNumber(); // the duration, e.g. 5m or 1h30m (or a Grafana variable)
        if (i < s.length() && s.charAt(i) == '$') {
          skipVariable();
        }
      } else if (!call) {
        if (!KEYWORDS.contains(lower) && !aggregationClauseFollows()) {
          metrics.add(word);
        }
        i = after;
      }
      // a call: a function or an aggregation, whose name is no metric
    }

    /**
     * Whether {@code by} or {@code without} comes next (the spaces already skipped): the word
     * before is an aggregation with its clause first, as in {@code sum by (a) (x)}.
     */
    private boolean aggregationClauseFollows() {
      int at = i;
      String next = i < s.length() && isIdentStart(s.charAt(i)) ? word() : "";
      i = at;
      return next.equalsIgnoreCase("by") || next.equalsIgnoreCase("without");
    }

    /** {@code {a="x", b=~"y"}}: the label names; the values are strings. */
    private void matchers() {
      i++;
      while (i < s.length() && s.charAt(i) != '}') {
        char c = s.charAt(i);
        if (c == '"' || c == '\'' || c == '`') {
          skipString(); // a value (or, since Prometheus 3, a quoted metric name)
        } else if (isIdentStart(c)) {
          labels.add(word());
        } else {
          i++;
        }
      }
      i++;
    }

    /** {@code (a, b)} after by, without, on, ignoring, group_left, group_right. */
    private void labelList() {
      i++;
      while (i < s.length() && s.charAt(i) != ')') {
        if (isIdentStart(s.charAt(i))) {
          labels.add(word());
        } else {
          i++;
        }
      }
      i++;
    }

    private String word() {
      int start = i;
      while (i < s.length() && (isIdentStart(s.charAt(i)) || Character.isDigit(s.charAt(i)))) {
        i++;
      }
      return s.substring(start, i);
    }

    /** A number (decimal, hex, exponent) or a duration such as {@code 1h30m}. */
    private void skipNumber() {
      int start = i;
      boolean hex = s.startsWith("0x", start) || s.startsWith("0X", start);
      while (i < s.length()) {
        char c = s.charAt(i);
        boolean exponentSign =
            (c == '+' || c == '-')
                && !hex
                && i > start
                && Character.toLowerCase(s.charAt(i - 1)) == 'e';
        if (!Character.isLetterOrDigit(c) && c != '.' && !exponentSign) {
          return;
        }
        i++;
      }
    }

    /** A Grafana variable: {@code $name}, {@code ${name}} or {@code ${name:format}}. */
    private void skipVariable() {
      i++;
      if (i < s.length() && s.charAt(i) == '{') {
        skipPast('}');
      } else {
        word();
      }
    }

    private void skipString() {
      char quote = s.charAt(i++);
      while (i < s.length() && s.charAt(i) != quote) {
        if (s.charAt(i) == '\\' && quote != '`') {
          i++;
        }
        i++;
      }
      i++;
    }

    private void skipPast(char close) {
      while (i < s.length() && s.charAt(i) != close) {
        i++;
      }
      i++;
    }

    private void skipSpaces() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
    }

    private static boolean isIdentStart(char c) {
      return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
  }
}
