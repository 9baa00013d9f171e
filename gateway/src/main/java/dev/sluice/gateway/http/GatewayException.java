package dev.sluice.gateway.http;

/**
 * An expected rejection that carries its HTTP status and a stable error code; the failure handler
 * turns it into {@code {"error":{"code":…,"message":…}}}. It has no stack trace: rejections are
 * routine on the hot path (bad signatures, throttling) and a stack would only cost time.
 */
public class GatewayException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;
  private final transient String retryAfterSeconds;

  public GatewayException(int status, String code, String message) {
    this(status, code, message, null);
  }

  /**
   * @param retryAfterSeconds value of the {@code Retry-After} header to send, or {@code null}
   */
  public GatewayException(int status, String code, String message, String retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public static GatewayException badRequest(String code, String message) {
    return new GatewayException(400, code, message);
  }

  public static GatewayException unauthorized(String code, String message) {
    return new GatewayException(401, code, message);
  }

  public static GatewayException notFound(String code, String message) {
    return new GatewayException(404, code, message);
  }

  public static GatewayException unavailable(String code, String message, int retryAfterSeconds) {
    return new GatewayException(503, code, message, Integer.toString(retryAfterSeconds));
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  /** The {@code Retry-After} value to send, or {@code null}. */
  public String retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
