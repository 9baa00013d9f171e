package dev.sluice.gateway.outbound;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.sluice.gateway.connector.MessageContent;
import dev.sluice.gateway.core.Provider;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The JSON form of a {@link QueuedMessage} in the outbound stream. Encoding streams the fields
 * straight to UTF-8 bytes (no tree); {@code recipientHash} is written only when known, and a
 * payload without it decodes to a message whose hash is {@code null}.
 */
public final class MessageCodec {
  /**
   * The factory for every streamed read and write of this package. Like Vert.x's own JSON codec it
   * accepts C-style comments, so a request body reads the same as through {@code JsonObject}.
   */
  static final JsonFactory JSON =
      JsonFactory.builder().enable(JsonReadFeature.ALLOW_JAVA_COMMENTS).build();

  private MessageCodec() {}

  public static String encode(QueuedMessage m) {
    return new String(encodeBytes(m), StandardCharsets.UTF_8);
  }

  /** The payload as UTF-8 JSON bytes, written in one pass. */
  public static byte[] encodeBytes(QueuedMessage m) {
    ByteArrayBuilder out = new ByteArrayBuilder(256);
    try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeStringField("id", m.id());
      g.writeStringField("tenant", m.tenantId());
      g.writeStringField("channel", m.channelId());
      g.writeStringField("provider", m.provider().wireName());
      g.writeStringField("to", m.to());
      g.writeStringField("recipient", m.recipient());
      if (m.recipientHash() != null) {
        g.writeStringField("recipientHash", m.recipientHash());
      }
      g.writeStringField("lane", m.lane().wireName());
      g.writeStringField("clientRef", m.clientRef());
      g.writeNumberField("acceptedAt", m.acceptedAt());
      g.writeFieldName("content");
      content(g, m.content());
      if (m.campaignId() != null) {
        g.writeStringField("campaign", m.campaignId());
      }
      if (m.window() != null) {
        g.writeFieldName("window");
        g.writeRawValue(m.window().toJson().encode());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * @throws IllegalArgumentException when the text is not a message this codec wrote
   */
  public static QueuedMessage decode(String json) {
    try {
      JsonObject o = new JsonObject(json);
      return new QueuedMessage(
          o.getString("id"),
          o.getString("tenant"),
          o.getString("channel"),
          Provider.fromWireName(o.getString("provider")).orElseThrow(),
          o.getString("to"),
          o.getString("recipient"),
          o.getString("recipientHash"),
          OutboundLane.fromWireName(o.getString("lane")).orElseThrow(),
          o.getString("clientRef"),
          o.getLong("acceptedAt"),
          content(o.getJsonObject("content")),
          o.getString("campaign"),
          o.containsKey("window") ? SendWindow.fromJson(o.getJsonObject("window")) : null);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a queued message: " + e.getClass().getSimpleName());
    }
  }

  /** The content as the JSON the queue carries (and the ledger keeps, sealed). */
  static String contentJson(MessageContent c) {
    StringWriter out = new StringWriter(64);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      content(g, c);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private static void content(JsonGenerator g, MessageContent c) throws IOException {
    g.writeStartObject();
    if (c instanceof MessageContent.Text t) {
      g.writeStringField("type", "text");
      g.writeStringField("text", t.body());
    } else if (c instanceof MessageContent.Template t) {
      g.writeStringField("type", "template");
      g.writeStringField("name", t.name());
      g.writeStringField("language", t.language());
      g.writeStringField("components", t.componentsJson());
    } else {
      MessageContent.Media m = (MessageContent.Media) c;
      g.writeStringField("type", "media");
      g.writeStringField("kind", m.kind());
      g.writeStringField("link", m.link());
      g.writeStringField("mediaId", m.mediaId());
      g.writeStringField("caption", m.caption());
      g.writeStringField("filename", m.filename());
    }
    g.writeEndObject();
  }

  static MessageContent content(JsonObject o) {
    return switch (o.getString("type")) {
      case "text" -> new MessageContent.Text(o.getString("text"));
      case "template" ->
          new MessageContent.Template(
              o.getString("name"), o.getString("language"), o.getString("components"));
      case "media" ->
          new MessageContent.Media(
              o.getString("kind"),
              o.getString("link"),
              o.getString("mediaId"),
              o.getString("caption"),
              o.getString("filename"));
      default -> throw new IllegalArgumentException("unknown content type");
    };
  }
}
