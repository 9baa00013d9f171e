package dev.sluice.gateway.outbound;

import dev.sluice.gateway.connector.MessageContent;
import dev.sluice.gateway.ingress.Provider;
import io.vertx.core.json.JsonObject;

/** The JSON form of a {@link QueuedMessage} in the outbound stream. */
public final class MessageCodec {
  private MessageCodec() {}

  public static String encode(QueuedMessage m) {
    return new JsonObject()
        .put("id", m.id())
        .put("tenant", m.tenantId())
        .put("channel", m.channelId())
        .put("provider", m.provider().wireName())
        .put("to", m.to())
        .put("recipient", m.recipient())
        .put("lane", m.lane().wireName())
        .put("clientRef", m.clientRef())
        .put("acceptedAt", m.acceptedAt())
        .put("content", content(m.content()))
        .encode();
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
          OutboundLane.fromWireName(o.getString("lane")).orElseThrow(),
          o.getString("clientRef"),
          o.getLong("acceptedAt"),
          content(o.getJsonObject("content")));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a queued message: " + e.getClass().getSimpleName());
    }
  }

  static JsonObject content(MessageContent c) {
    if (c instanceof MessageContent.Text t) {
      return new JsonObject().put("type", "text").put("text", t.body());
    }
    if (c instanceof MessageContent.Template t) {
      return new JsonObject()
          .put("type", "template")
          .put("name", t.name())
          .put("language", t.language())
          .put("components", t.componentsJson());
    }
    MessageContent.Media m = (MessageContent.Media) c;
    return new JsonObject()
        .put("type", "media")
        .put("kind", m.kind())
        .put("link", m.link())
        .put("mediaId", m.mediaId())
        .put("caption", m.caption())
        .put("filename", m.filename());
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
