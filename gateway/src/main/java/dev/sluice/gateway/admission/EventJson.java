package dev.sluice.gateway.admission;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.gateway.core.EventKind;
import dev.sluice.gateway.core.InboundEvent;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes the event JSON stored in a queue entry's field {@code e}: the same text, field for field
 * and byte for byte, as a Vert.x {@code JsonObject} of these fields encodes to (nulls included),
 * without building that object. A status event carries {@code messageId} (our message's id when the
 * provider echoed it, else null); a message whose provider names the sender carries {@code
 * profileName}; an event checked for opt-out keywords also carries {@code optOut} (before {@code
 * receivedAt}); others do not. Holds one reused buffer: one per {@link Admission}, used only on its
 * event loop.
 */
final class EventJson {
  private static final JsonFactory JSON = new JsonFactory();

  private final StringWriter text = new StringWriter(512);

  /** The UTF-8 bytes of the event JSON, without {@code optOut}. */
  byte[] write(String channelId, InboundEvent e, long receivedAt) {
    return write(channelId, e, null, receivedAt);
  }

  /**
   * The UTF-8 bytes of the event JSON.
   *
   * @param keyword the event's keyword check, written as {@code optOut}; {@code null} for none
   */
  byte[] write(String channelId, InboundEvent e, OptKeyword keyword, long receivedAt) {
    text.getBuffer().setLength(0);
    try (JsonGenerator g = JSON.createGenerator(text)) {
      g.writeStartObject();
      g.writeStringField("channel", channelId);
      g.writeStringField("provider", e.provider().wireName());
      g.writeStringField("kind", e.kind().wireName());
      g.writeStringField("from", e.from());
      g.writeStringField("to", e.to());
      g.writeStringField("providerMessageId", e.providerMessageId());
      g.writeNumberField("timestamp", e.timestamp());
      g.writeStringField("type", e.type());
      g.writeStringField("text", e.text());
      g.writeStringField("status", e.status());
      g.writeStringField("errorCode", e.errorCode());
      if (e.kind() == EventKind.STATUS) {
        g.writeStringField("messageId", e.messageId());
      }
      if (e.profileName() != null) {
        g.writeStringField("profileName", e.profileName());
      }
      if (keyword != null) {
        g.writeBooleanField("optOut", keyword.optOut());
      }
      g.writeNumberField("receivedAt", receivedAt);
      g.writeEndObject();
    } catch (IOException x) {
      throw new UncheckedIOException(x); // a StringWriter does not fail
    }
    // Through a String as JsonObject.encode() went: a lone surrogate in a text becomes '?'.
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }
}
