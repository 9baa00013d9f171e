package dev.sluice.loadtest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Command-line options of the form {@code --name value} (a bare {@code --flag} is {@code true}). A
 * name given twice keeps every value, in order, for {@link #all}.
 */
public final class Args {
  private final Map<String, List<String>> values = new LinkedHashMap<>();

  private Args() {}

  /**
   * @throws IllegalArgumentException for a token that is not an option name or its value
   */
  public static Args parse(String[] argv) {
    Args a = new Args();
    for (int i = 0; i < argv.length; i++) {
      String t = argv[i];
      if (!t.startsWith("--") || t.length() == 2) {
        throw new IllegalArgumentException("expected --name, got " + t);
      }
      String name = t.substring(2);
      String value = "true";
      int eq = name.indexOf('=');
      if (eq > 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
        value = argv[++i];
      }
      a.values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
    return a;
  }

  /** Every option, last value wins. */
  public Map<String, String> asMap() {
    Map<String, String> m = new LinkedHashMap<>();
    values.forEach((k, v) -> m.put(k, v.get(v.size() - 1)));
    return m;
  }

  public boolean has(String name) {
    return values.containsKey(name);
  }

  public String string(String name, String def) {
    List<String> v = values.get(name);
    return v == null ? def : v.get(v.size() - 1);
  }

  /**
   * @throws IllegalArgumentException when the option is absent
   */
  public String required(String name) {
    String v = string(name, null);
    if (v == null) {
      throw new IllegalArgumentException("--" + name + " is required");
    }
    return v;
  }

  public int integer(String name, int def) {
    String v = string(name, null);
    return v == null ? def : Integer.parseInt(v);
  }

  public long longValue(String name, long def) {
    String v = string(name, null);
    return v == null ? def : Long.parseLong(v);
  }

  public double decimal(String name, double def) {
    String v = string(name, null);
    return v == null ? def : Double.parseDouble(v);
  }

  public List<String> all(String name) {
    return values.getOrDefault(name, List.of());
  }
}
