package dev.sluice.gateway.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Typed reads of {@code section.key} settings from the file, each overridable by its environment
 * variable. Every problem is collected rather than thrown, so that one run names them all.
 */
final class Settings {
  private static final String ENV_PREFIX = "SLUICE_";

  /** Environment names that do not follow {@code SLUICE_<SECTION>_<KEY>}, kept for brevity. */
  private static final Map<String, String> ENV_ALIASES =
      Map.of(
          "security.masterKey",
          "SLUICE_MASTER_KEY",
          "security.previousMasterKeys",
          "SLUICE_PREVIOUS_MASTER_KEYS",
          "http.publicUrl",
          "SLUICE_PUBLIC_URL");

  private final Map<String, String> file;
  private final Map<String, String> env;
  private final List<String> problems = new ArrayList<>();
  private final Set<String> known = new HashSet<>();
  private final Set<String> usedEnv = new HashSet<>();

  Settings(Map<String, String> file, Map<String, String> env) {
    this.file = new LinkedHashMap<>(file);
    this.env = env;
  }

  /** {@code redis.connectTimeoutMs} → {@code SLUICE_REDIS_CONNECT_TIMEOUT_MS}. */
  static String envName(String key) {
    String alias = ENV_ALIASES.get(key);
    if (alias != null) {
      return alias;
    }
    StringBuilder sb = new StringBuilder(ENV_PREFIX);
    for (char c : key.toCharArray()) {
      if (c == '.') {
        sb.append('_');
      } else if (Character.isUpperCase(c)) {
        sb.append('_').append(c);
      } else {
        sb.append(Character.toUpperCase(c));
      }
    }
    return sb.toString();
  }

  private String raw(String key) {
    known.add(key);
    String name = envName(key);
    String fromEnv = env.get(name);
    if (fromEnv != null) {
      usedEnv.add(name);
      return fromEnv.trim();
    }
    String v = file.get(key);
    return v == null ? null : v.trim();
  }

  private void problem(String key, String message) {
    problems.add(key + " " + message);
  }

  /**
   * Builds a record whose constructor checks invariants between its settings; a broken invariant
   * becomes one more problem, and the record {@code null} (the load fails at its end).
   */
  <T> T build(Supplier<T> record) {
    return build("", record);
  }

  /** {@link #build(Supplier)} for a record shared by sections: its problems get the section. */
  <T> T build(String keyPrefix, Supplier<T> record) {
    try {
      return record.get();
    } catch (ConfigException e) {
      e.problems().forEach(p -> problems.add(keyPrefix + p));
      return null;
    }
  }

  String string(String key, String defaultValue) {
    String v = raw(key);
    return v == null ? defaultValue : v;
  }

  String nonBlank(String key, String defaultValue) {
    String v = string(key, defaultValue);
    if (v == null || v.isBlank()) {
      problem(key, "must not be empty");
      return defaultValue;
    }
    return v;
  }

  Secret secret(String key) {
    return Secret.of(raw(key));
  }

  long longIn(String key, long defaultValue, long min, long max) {
    String v = raw(key);
    if (v == null || v.isEmpty()) {
      return defaultValue;
    }
    try {
      long n = Long.parseLong(v);
      if (n < min || n > max) {
        problem(key, "must be " + min + ".." + max + ", got " + n);
        return defaultValue;
      }
      return n;
    } catch (NumberFormatException e) {
      problem(key, "must be a whole number, got '" + v + "'");
      return defaultValue;
    }
  }

  int intIn(String key, int defaultValue, int min, int max) {
    return (int) longIn(key, defaultValue, min, max);
  }

  boolean bool(String key, boolean defaultValue) {
    String v = raw(key);
    if (v == null || v.isEmpty()) {
      return defaultValue;
    }
    switch (v.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on", "1" -> {
        return true;
      }
      case "false", "no", "off", "0" -> {
        return false;
      }
      default -> {
        problem(key, "must be true or false, got '" + v + "'");
        return defaultValue;
      }
    }
  }

  String oneOf(String key, String defaultValue, List<String> allowed) {
    String v = string(key, defaultValue).toLowerCase(Locale.ROOT);
    if (!allowed.contains(v)) {
      problem(key, "must be one of " + String.join("|", allowed) + ", got '" + v + "'");
      return defaultValue;
    }
    return v;
  }

  /** A comma-separated list (YAML lists are joined with commas when the file is read). */
  List<String> list(String key, List<String> defaultValue) {
    String v = raw(key);
    if (v == null) {
      return defaultValue;
    }
    List<String> out = new ArrayList<>();
    for (String part : v.split(",")) {
      if (!part.isBlank()) {
        out.add(part.trim());
      }
    }
    return List.copyOf(out);
  }

  /** Records a problem found while checking values against each other. */
  void check(boolean ok, String key, String message) {
    if (!ok) {
      problem(key, message);
    }
  }

  /** File keys that no section read: typos, or settings of another version. */
  List<String> unknownFileKeys() {
    List<String> unknown = new ArrayList<>();
    for (String key : file.keySet()) {
      if (!known.contains(key)) {
        unknown.add(key);
      }
    }
    return unknown;
  }

  /** {@code SLUICE_*} variables that match no setting. */
  List<String> unknownEnv() {
    List<String> unknown = new ArrayList<>();
    Set<String> knownEnv = new HashSet<>();
    for (String key : known) {
      knownEnv.add(envName(key));
    }
    for (String name : env.keySet()) {
      if (name.startsWith(ENV_PREFIX)
          && !name.startsWith("SLUICE_TEST_")
          && !knownEnv.contains(name)) {
        unknown.add(name);
      }
    }
    unknown.sort(null);
    return unknown;
  }

  List<String> problems() {
    return problems;
  }
}
