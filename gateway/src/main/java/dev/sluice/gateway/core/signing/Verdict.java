package dev.sluice.gateway.core.signing;

import java.util.Locale;

/**
 * The outcome of checking one webhook's credentials. Verifiers return a verdict instead of
 * throwing, because rejections are expected traffic on the event loop.
 */
public enum Verdict {
  /** The credentials prove the request came from the provider. */
  VALID,
  /** The header that carries the credentials is absent or blank. */
  MISSING,
  /**
   * The header is present but not in the provider's format (wrong prefix, bad hex or base64,
   * non-integer timestamp, unknown authorization scheme).
   */
  MALFORMED,
  /** The header is well formed but does not match the secret and the request. */
  MISMATCH,
  /** The signed timestamp is outside the accepted tolerance (replay protection). */
  STALE;

  private final String reason = name().toLowerCase(Locale.ROOT);

  /** Whether the request may be processed. */
  public boolean valid() {
    return this == VALID;
  }

  /** The lowercase name, used as the {@code outcome} metric tag. */
  public String reason() {
    return reason;
  }
}
