package dev.sluice.gateway.core;

/**
 * An expected rejection: what kind of refusal it is, a stable error code and a message for the
 * caller. It knows nothing of HTTP: the HTTP layer maps each {@link Kind} to a status in one place
 * ({@code http.ErrorResponses}). It has no stack trace: rejections are routine on the hot path (bad
 * signatures, throttling) and a stack would only cost time.
 */
public class GatewayException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What kind of refusal. */
  public enum Kind {
    /** The request cannot be read (not JSON, a required part missing). */
    MALFORMED,
    /** The caller did not prove who it is. */
    UNAUTHENTICATED,
    /** The caller may not do this (from where it calls, or with what it presented). */
    FORBIDDEN,
    /** What the request names does not exist (for this caller). */
    NOT_FOUND,
    /** The request contradicts the current state (an id taken, a change already made). */
    CONFLICT,
    /** The request is readable but a value is not acceptable. */
    INVALID,
    /** What the request names existed, and is gone for good (a download already taken). */
    GONE,
    /** The gateway cannot take it now; the caller should retry after a while. */
    UNAVAILABLE
  }

  private final Kind kind;
  private final String code;
  private final transient String retryAfterSeconds;

  public GatewayException(Kind kind, String code, String message) {
    this(kind, code, message, null);
  }

  /**
   * @param retryAfterSeconds how long the caller should wait before retrying, or {@code null}
   */
  public GatewayException(Kind kind, String code, String message, String retryAfterSeconds) {
    super(message, null, false, false);
    this.kind = kind;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public static GatewayException malformed(String code, String message) {
    return new GatewayException(Kind.MALFORMED, code, message);
  }

  public static GatewayException unauthenticated(String code, String message) {
    return new GatewayException(Kind.UNAUTHENTICATED, code, message);
  }

  public static GatewayException forbidden(String code, String message) {
    return new GatewayException(Kind.FORBIDDEN, code, message);
  }

  public static GatewayException notFound(String code, String message) {
    return new GatewayException(Kind.NOT_FOUND, code, message);
  }

  public static GatewayException conflict(String code, String message) {
    return new GatewayException(Kind.CONFLICT, code, message);
  }

  public static GatewayException invalid(String code, String message) {
    return new GatewayException(Kind.INVALID, code, message);
  }

  public static GatewayException gone(String code, String message) {
    return new GatewayException(Kind.GONE, code, message);
  }

  public static GatewayException unavailable(String code, String message, int retryAfterSeconds) {
    return new GatewayException(
        Kind.UNAVAILABLE, code, message, Integer.toString(retryAfterSeconds));
  }

  public Kind kind() {
    return kind;
  }

  public String code() {
    return code;
  }

  /** How long the caller should wait before retrying (seconds), or {@code null}. */
  public String retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
