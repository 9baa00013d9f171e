package dev.sluice.gateway.ingress.parse;

/**
 * A webhook body that cannot be parsed: not JSON, the wrong top-level shape, or an event without
 * the identifier we deduplicate on. The HTTP layer answers 400.
 *
 * <p>The message is short and client-safe: it names what is wrong, never echoes the body. The
 * exception is stack-free because it is an expected rejection on the hot path.
 */
public final class PayloadException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** A rejection with a short, client-safe message. */
  public PayloadException(String message) {
    super(message, null, false, false);
  }
}
