package dev.sluice.gateway.campaign;

import dev.sluice.gateway.outbound.SendWindow;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * A campaign as stored: what to send, through which channel, when and how fast; its status and the
 * counts known when its audience was read.
 *
 * @param message the message's content fields ({@code type}, {@code text}, {@code template})
 * @param templateName the WhatsApp template it sends, or {@code null} (for Meta's template status
 *     webhook)
 * @param lane {@code high} or {@code low}
 * @param sendAt when to start, or {@code null} for at once
 * @param window the quiet hours its messages are sent within, or {@code null}
 * @param ratePerSecond its own cap on messages per second, or {@code null}
 * @param reason why it is paused (or was cancelled or completed by the gateway), or {@code null}
 */
record Campaign(
    String id,
    String tenantId,
    String name,
    String channelId,
    JsonObject message,
    String templateName,
    String lane,
    Instant sendAt,
    SendWindow window,
    Integer ratePerSecond,
    Status status,
    String reason,
    int total,
    int rejected,
    int duplicates,
    Instant createdAt,
    Instant startedAt,
    Instant finishedAt) {

  /** Where a campaign is in its life. */
  enum Status {
    /** Waits for its {@code sendAt}. */
    SCHEDULED,
    /** Being sent. */
    RUNNING,
    /** Stopped until resumed; its queued messages wait too. */
    PAUSED,
    /** Every row has been sent, or has failed, been rejected or suppressed. */
    COMPLETED,
    /** Stopped for good; no message of it is sent after the cancel. */
    CANCELLED;

    String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Optional<Status> of(String wire) {
      return Arrays.stream(values()).filter(s -> s.wire().equals(wire)).findFirst();
    }

    boolean finished() {
      return this == COMPLETED || this == CANCELLED;
    }
  }
}
