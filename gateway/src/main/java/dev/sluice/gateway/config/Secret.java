package dev.sluice.gateway.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * A secret setting (token, key, password). Its {@code toString()} prints {@code ***} so that it
 * cannot leak through a log line or an exception message by accident.
 */
public final class Secret {
  private static final Secret EMPTY = new Secret("");

  private final String value;

  private Secret(String value) {
    this.value = value;
  }

  /** Wraps a value; {@code null} becomes the empty secret. */
  public static Secret of(String value) {
    return value == null || value.isEmpty() ? EMPTY : new Secret(value);
  }

  /** The empty secret (not configured). */
  public static Secret empty() {
    return EMPTY;
  }

  /** The secret in clear. Call only where it is used, never to print it. */
  public String reveal() {
    return value;
  }

  public boolean isEmpty() {
    return value.isEmpty();
  }

  /** Constant-time comparison against a presented value, so timing tells nothing of the secret. */
  public boolean matches(String presented) {
    if (presented == null || value.isEmpty()) {
      return false;
    }
    return MessageDigest.isEqual(
        value.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret other
        && MessageDigest.isEqual(
            value.getBytes(StandardCharsets.UTF_8), other.value.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public int hashCode() {
    return value.length();
  }

  @Override
  public String toString() {
    return value.isEmpty() ? "(empty)" : "***";
  }
}
