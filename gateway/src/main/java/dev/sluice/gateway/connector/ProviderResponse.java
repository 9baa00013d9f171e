package dev.sluice.gateway.connector;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.time.Instant;

/**
 * A provider's HTTP answer as connectors classify it: status, the body read leniently as JSON, and
 * {@code Retry-After}. For connector implementations in the sub-packages.
 */
public final class ProviderResponse {
  private final HttpResponse<Buffer> response;
  private final Instant receivedAt;
  private final Object json;

  ProviderResponse(HttpResponse<Buffer> response, Instant receivedAt) {
    this.response = response;
    this.receivedAt = receivedAt;
    this.json = parse(response.body());
  }

  public int status() {
    return response.statusCode();
  }

  /** A 2xx status. */
  public boolean isSuccess() {
    return status() >= 200 && status() < 300;
  }

  /** The body is a JSON object (else every {@link #text} is {@code null}). */
  public boolean isJsonObject() {
    return json instanceof JsonObject;
  }

  /**
   * The scalar at a path through the JSON body, as text: {@code text("messages", "0", "id")}. A
   * numeric segment indexes an array. {@code null} when the body is not JSON, the path leads
   * nowhere or ends at an object or array.
   */
  public String text(String... path) {
    Object node = json;
    for (String segment : path) {
      if (node instanceof JsonObject o) {
        node = o.getValue(segment);
      } else if (node instanceof JsonArray a && isIndex(segment) && a.size() > index(segment)) {
        node = a.getValue(index(segment));
      } else {
        return null;
      }
    }
    return node instanceof String || node instanceof Number || node instanceof Boolean
        ? node.toString()
        : null;
  }

  /** The length of the array at a path through the JSON body; 0 when there is no array there. */
  public int arraySize(String... path) {
    Object node = json;
    for (String segment : path) {
      if (node instanceof JsonObject o) {
        node = o.getValue(segment);
      } else if (node instanceof JsonArray a && isIndex(segment) && a.size() > index(segment)) {
        node = a.getValue(index(segment));
      } else {
        return 0;
      }
    }
    return node instanceof JsonArray a ? a.size() : 0;
  }

  /** The {@code Retry-After} header as a wait, or {@code null} if absent or unreadable. */
  public Duration retryAfter() {
    return RetryAfter.parse(response.getHeader(HttpHeaders.RETRY_AFTER), receivedAt);
  }

  /**
   * The classification when the provider gave no error code we know: 408, 429 and 5xx are worth
   * retrying (honouring {@code Retry-After}), anything else is permanent.
   *
   * @param code the provider's code, or {@code null} for {@code http_<status>}
   */
  public SendResult byStatus(String code, String message) {
    String c = code != null ? code : "http_" + status();
    int s = status();
    if (s == 408 || s == 429 || s >= 500) {
      return SendResult.retryable(c, message, retryAfter(), s);
    }
    return SendResult.permanent(c, message, s);
  }

  private static Object parse(Buffer body) {
    if (body == null || body.length() == 0) {
      return null;
    }
    try {
      return body.toJsonValue();
    } catch (DecodeException e) {
      return null;
    }
  }

  private static boolean isIndex(String s) {
    return !s.isEmpty() && s.length() < 6 && s.chars().allMatch(c -> c >= '0' && c <= '9');
  }

  private static int index(String s) {
    return Integer.parseInt(s);
  }
}
