package dev.sluice.gateway.tenant;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A tenant's SMS keywords: an inbound SMS whose whole body, trimmed and in any case, is one of them
 * opts its sender out of (or back into) messages on that channel. Kept uppercase, in the order
 * given, without repeats; no word is on both lists. Immutable.
 *
 * @param optOut the opt-out keywords (default STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, the
 *     words US carriers and CTIA name)
 * @param optIn the opt-in keywords (default START, UNSTOP, YES)
 */
public record OptKeywords(List<String> optOut, List<String> optIn) {
  /** Most keywords on one list. */
  public static final int MAX_KEYWORDS = 50;

  /** Most characters of one keyword. */
  public static final int MAX_LENGTH = 32;

  /** Letters and digits of any script, at least one, no spaces. */
  public static final Pattern KEYWORD = Pattern.compile("[\\p{L}\\p{N}]{1," + MAX_LENGTH + "}");

  /** The lists of a tenant that has not set its own. */
  public static final OptKeywords DEFAULT =
      new OptKeywords(
          List.of("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"),
          List.of("START", "UNSTOP", "YES"));

  public OptKeywords {
    optOut = normalised(optOut, "optOut");
    optIn = normalised(optIn, "optIn");
    for (String word : optOut) {
      if (optIn.contains(word)) {
        throw new IllegalArgumentException(
            "'" + word + "' is on both optOut and optIn: a keyword can only do one");
      }
    }
  }

  /** What a body asks: an opt-out or opt-in keyword, and which. */
  public enum Action {
    OPT_OUT,
    OPT_IN
  }

  /** A body that is one keyword. */
  public record Match(Action action, String keyword) {}

  /**
   * The keyword an SMS body is, or {@code null}: the whole body, without leading and trailing white
   * space, compared without regard to case ({@code " stop "} is STOP; {@code "stop please"} is no
   * keyword).
   */
  public Match match(String body) {
    if (body == null || body.length() > 4 * MAX_LENGTH) {
      return null;
    }
    String word = body.strip().toUpperCase(Locale.ROOT);
    if (optOut.contains(word)) {
      return new Match(Action.OPT_OUT, word);
    }
    if (optIn.contains(word)) {
      return new Match(Action.OPT_IN, word);
    }
    return null;
  }

  private static List<String> normalised(List<String> words, String list) {
    if (words == null) {
      throw new IllegalArgumentException(list + " is required");
    }
    if (words.size() > MAX_KEYWORDS) {
      throw new IllegalArgumentException(
          list + " may hold at most " + MAX_KEYWORDS + " keywords, got " + words.size());
    }
    Set<String> out = new LinkedHashSet<>();
    for (String w : words) {
      String word = w == null ? "" : w.strip();
      if (!KEYWORD.matcher(word).matches()) {
        throw new IllegalArgumentException(
            list
                + ": '"
                + word
                + "' is not a keyword (1 to "
                + MAX_LENGTH
                + " letters or digits, no spaces)");
      }
      out.add(word.toUpperCase(Locale.ROOT));
    }
    return List.copyOf(new ArrayList<>(out));
  }
}
