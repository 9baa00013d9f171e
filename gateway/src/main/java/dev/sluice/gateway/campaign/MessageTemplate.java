package dev.sluice.gateway.campaign;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A campaign's text with {@code {{variable}}} placeholders, parsed once and rendered per row. A
 * placeholder is a name of letters, digits and {@code _} between double braces (spaces inside the
 * braces allowed); anything else is text, braces included. A row that lacks a value, or has an
 * empty one, for a placeholder does not render: it is rejected with the names, never sent with a
 * hole or a raw {@code {{name}}} in it.
 */
public final class MessageTemplate {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_]+)\\s*}}");

  /** Text and variable parts, alternating as they appear; variables are the odd-indexed ones. */
  private final List<String> parts;

  private final Set<String> variables;

  private MessageTemplate(List<String> parts, Set<String> variables) {
    this.parts = parts;
    this.variables = variables;
  }

  public static MessageTemplate parse(String text) {
    List<String> parts = new ArrayList<>();
    Set<String> variables = new LinkedHashSet<>();
    Matcher m = PLACEHOLDER.matcher(text);
    int at = 0;
    while (m.find()) {
      parts.add(text.substring(at, m.start()));
      parts.add(m.group(1));
      variables.add(m.group(1));
      at = m.end();
    }
    parts.add(text.substring(at));
    return new MessageTemplate(List.copyOf(parts), Set.copyOf(variables));
  }

  /** The names of the placeholders, each once. */
  public Set<String> variables() {
    return variables;
  }

  /** The outcome of rendering one row: the text, or the placeholders the row had no value for. */
  public record Rendered(String text, List<String> missing) {
    public boolean ok() {
      return missing.isEmpty();
    }
  }

  public Rendered render(Map<String, String> row) {
    StringBuilder out = new StringBuilder();
    List<String> missing = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      String part = parts.get(i);
      if (i % 2 == 0) {
        out.append(part);
        continue;
      }
      String value = row.get(part);
      if (value == null || value.isBlank()) {
        if (!missing.contains(part)) {
          missing.add(part);
        }
      } else {
        out.append(value);
      }
    }
    return missing.isEmpty()
        ? new Rendered(out.toString(), List.of())
        : new Rendered(null, List.copyOf(missing));
  }
}
