package dev.sluice.gateway.tenant;

/**
 * A channel's own inbound rate limit per end-user phone number, replacing the gateway default
 * ({@code ingress.perPhonePerMinute}, {@code ingress.phoneBurst}).
 *
 * @param perPhonePerMinute steady rate, at least 1
 * @param burst events allowed above the steady rate, at least 0 (as {@code ingress.phoneBurst})
 */
public record InboundLimits(int perPhonePerMinute, int burst) {
  public InboundLimits {
    if (perPhonePerMinute < 1) {
      throw new IllegalArgumentException("perPhonePerMinute must be at least 1");
    }
    if (burst < 0) {
      throw new IllegalArgumentException("burst must not be negative");
    }
  }
}
