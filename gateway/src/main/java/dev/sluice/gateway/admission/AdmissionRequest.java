package dev.sluice.gateway.admission;

import dev.sluice.gateway.core.InboundEvent;
import java.util.Objects;

/**
 * One event to admit into a tenant's queue.
 *
 * @param perPhonePerMinute inbound limit of the end user on this channel; 0 = not limited (status
 *     events: they report on our own sends and are bounded by our own sending rate)
 * @param burst events above the steady rate one end user may send at once
 * @param optKeyword the opt-out keyword check of an inbound SMS (the event then carries {@code
 *     "optOut"}); {@code null} for events keywords do not apply to
 */
public record AdmissionRequest(
    String tenantId,
    String channelId,
    InboundEvent event,
    int perPhonePerMinute,
    int burst,
    OptKeyword optKeyword) {
  public AdmissionRequest {
    Objects.requireNonNull(tenantId, "tenantId");
    Objects.requireNonNull(channelId, "channelId");
    Objects.requireNonNull(event, "event");
  }

  /** An event keywords do not apply to. */
  public AdmissionRequest(
      String tenantId, String channelId, InboundEvent event, int perPhonePerMinute, int burst) {
    this(tenantId, channelId, event, perPhonePerMinute, burst, null);
  }
}
