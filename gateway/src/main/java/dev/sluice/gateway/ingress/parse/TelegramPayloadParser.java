package dev.sluice.gateway.ingress.parse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.core.EventKind;
import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.core.Provider;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The event in a Telegram Bot API webhook body: one {@code Update}, which "at most one of the
 * optional fields" fills (core.telegram.org/bots/api#update), so at most one event.
 *
 * <ul>
 *   <li>{@code dedupId} is {@code update_id}, which must be a JSON integer; {@code channelAddress}
 *       is {@code null} (the webhook URL names the bot).
 *   <li>{@code message}, {@code channel_post}, {@code business_message}: {@code endUser} = chat id,
 *       {@code from} = sender user id, {@code providerMessageId} = {@code message_id}, {@code type}
 *       = {@code text} when there is text, else the first known content field ({@code photo},
 *       {@code document}, …), else {@code unknown}; {@code text} = text or media caption.
 *   <li>{@code edited_message}, {@code edited_channel_post}, {@code edited_business_message}: the
 *       same with the type prefixed {@code edited_} ({@code edited_text}), timestamp = {@code
 *       edit_date} when present.
 *   <li>{@code callback_query}: type {@code callback_query}, text = {@code data}, endUser = the
 *       chat of its message, or the pressing user for inline messages; timestamp 0 (a callback
 *       query has no date of its own).
 *   <li>Any other update field holding an object ({@code my_chat_member}, {@code poll_answer}, …):
 *       type = the field name, endUser = its {@code chat.id}, else its {@code from}/{@code user}
 *       id.
 *   <li>An update with nothing but {@code update_id} (or only non-object fields we do not know):
 *       empty list.
 * </ul>
 *
 * <p>Every event is a {@link EventKind#MESSAGE}: Telegram reports no delivery statuses. {@code raw}
 * is the whole update. Stateless and thread-safe.
 */
public final class TelegramPayloadParser {

  /** Update fields holding a Message, and whether that message is an edit. */
  private static final Map<String, Boolean> MESSAGE_FIELDS =
      Map.of(
          "message", false,
          "channel_post", false,
          "business_message", false,
          "edited_message", true,
          "edited_channel_post", true,
          "edited_business_message", true);

  /**
   * Message content fields in the order we name the type: {@code animation} before {@code document}
   * and {@code venue} before {@code location}, because Telegram fills both of each pair.
   */
  private static final List<String> CONTENT_FIELDS =
      List.of(
          "animation",
          "photo",
          "video",
          "video_note",
          "voice",
          "audio",
          "document",
          "sticker",
          "story",
          "paid_media",
          "venue",
          "location",
          "contact",
          "poll",
          "dice",
          "game",
          "invoice",
          "successful_payment",
          "checklist",
          "new_chat_members",
          "left_chat_member",
          "new_chat_title",
          "new_chat_photo",
          "pinned_message");

  /** The event in a verified Telegram update; empty when the update holds nothing we know. */
  public List<InboundEvent> parse(byte[] body) {
    return Identifiers.checked(events(body));
  }

  private static List<InboundEvent> events(byte[] body) {
    JsonNode update = Json.readObject(body);
    JsonNode updateId = update.get("update_id");
    if (updateId == null || !updateId.isIntegralNumber()) {
      throw new PayloadException("missing integer update_id");
    }
    String dedupId = updateId.asText();
    for (Iterator<Map.Entry<String, JsonNode>> it = update.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String name = field.getKey();
      JsonNode value = field.getValue();
      Boolean edited = MESSAGE_FIELDS.get(name);
      if (edited != null || name.equals("callback_query")) {
        if (!value.isObject()) {
          throw new PayloadException(name + " is not an object");
        }
        return List.of(
            edited != null
                ? message(dedupId, value, edited, update)
                : callbackQuery(dedupId, value, update));
      }
      if (value.isObject()) { // update_id is an integer, so never taken for a kind
        return List.of(other(dedupId, name, value, update));
      }
    }
    return List.of();
  }

  private static InboundEvent message(
      String dedupId, JsonNode message, boolean edited, JsonNode update) {
    String text = Json.text(message, "text");
    String type = text != null ? "text" : contentType(message);
    if (text == null) {
      text = Json.text(message, "caption");
    }
    long editDate = edited ? Timestamps.unixSeconds(message.get("edit_date")) : 0;
    return event(
        dedupId,
        chatId(message),
        Json.id(Json.object(message, "from"), "id"),
        Json.id(message, "message_id"),
        editDate != 0 ? editDate : Timestamps.unixSeconds(message.get("date")),
        edited ? "edited_" + type : type,
        text,
        update);
  }

  private static String contentType(JsonNode message) {
    for (String field : CONTENT_FIELDS) {
      JsonNode n = message.get(field);
      if (n != null && !n.isNull()) {
        return field;
      }
    }
    return "unknown";
  }

  private static InboundEvent callbackQuery(String dedupId, JsonNode query, JsonNode update) {
    JsonNode message = Json.object(query, "message");
    String from = Json.id(Json.object(query, "from"), "id");
    String chat = chatId(message);
    return event(
        dedupId,
        chat != null ? chat : from,
        from,
        Json.id(message, "message_id"),
        0,
        "callback_query",
        Json.text(query, "data"),
        update);
  }

  private static InboundEvent other(String dedupId, String kind, JsonNode value, JsonNode update) {
    String from = Json.id(Json.object(value, "from"), "id");
    if (from == null) {
      from = Json.id(Json.object(value, "user"), "id");
    }
    String chat = chatId(value);
    return event(
        dedupId,
        chat != null ? chat : from,
        from,
        null,
        Timestamps.unixSeconds(value.get("date")),
        kind,
        null,
        update);
  }

  /** Chat ids have up to 52 significant bits: kept as the decimal text of the JSON integer. */
  private static String chatId(JsonNode holder) {
    return Json.id(Json.object(holder, "chat"), "id");
  }

  private static InboundEvent event(
      String dedupId,
      String endUser,
      String from,
      String messageId,
      long timestamp,
      String type,
      String text,
      JsonNode update) {
    return new InboundEvent(
        Provider.TELEGRAM,
        null,
        EventKind.MESSAGE,
        dedupId,
        endUser,
        from,
        null,
        messageId,
        timestamp,
        type,
        text,
        null,
        null,
        Json.compact(update));
  }
}
