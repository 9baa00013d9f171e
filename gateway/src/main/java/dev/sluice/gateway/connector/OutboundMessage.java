package dev.sluice.gateway.connector;

import java.util.Objects;

/**
 * One message to send.
 *
 * @param id our message id (a UUID string); never sent to a provider, used in log lines only
 * @param to the recipient, already validated: E.164 with {@code +} for phone channels, the chat id
 *     for telegram
 */
public record OutboundMessage(String id, String to, MessageContent content) {
  public OutboundMessage {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(content, "content");
  }

  /** {@link #to} without a leading {@code +}, as WhatsApp and Infobip want it. */
  public String toDigits() {
    return to.startsWith("+") ? to.substring(1) : to;
  }

  /** Never prints the recipient or the content. */
  @Override
  public String toString() {
    return "OutboundMessage[id=" + id + ", content=" + content.getClass().getSimpleName() + "]";
  }
}
