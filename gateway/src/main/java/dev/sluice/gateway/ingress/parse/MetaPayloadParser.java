package dev.sluice.gateway.ingress.parse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.core.EventKind;
import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.core.MessageRef;
import dev.sluice.gateway.core.Provider;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Events out of a Meta Graph webhook body: WhatsApp Cloud API ({@code object} {@code
 * whatsapp_business_account}), Messenger ({@code page}) and Instagram ({@code instagram}).
 *
 * <p>WhatsApp: every {@code entry[].changes[]} whose {@code field} is {@code messages} yields one
 * event per {@code value.messages[]} and {@code value.statuses[]} element; other fields (template
 * and account updates), {@code value.errors[]}, {@code contacts} and echoes are not routed.
 *
 * <p>Messenger and Instagram: every {@code entry[].messaging[]} element yields a {@link
 * EventKind#MESSAGE} for a {@code message} (echoes skipped) or {@code postback}, and one {@link
 * EventKind#STATUS} per mid for {@code delivery} and {@code read}; a receipt without mids
 * (Messenger reads carry only a watermark) and every other event kind (reactions, referrals, {@code
 * standby}, {@code changes}) are not routed.
 *
 * <p>A valid payload with nothing routable gives an empty list; an unknown {@code object} value
 * too. A message or status without its id, or a routed array of the wrong type, rejects the whole
 * body with {@link PayloadException}: Meta then redelivers it rather than losing the event
 * silently. Statuses outside {@code sent|delivered|read|played|failed} are not routed. Stateless
 * and thread-safe.
 *
 * <p>WhatsApp bodies are first read by {@link WhatsAppStream}, which skips the envelope without
 * building it; whatever it is not sure of falls back to the tree read here, so both give the same
 * events.
 */
public final class MetaPayloadParser {

  private static final HexFormat HEX = HexFormat.of();

  /** The events in a verified Meta webhook body, in payload order. */
  public List<InboundEvent> parse(byte[] body) {
    List<InboundEvent> streamed =
        body == null || body.length == 0 ? null : WhatsAppStream.tryParse(body);
    return Identifiers.checked(streamed != null ? streamed : parseTree(body));
  }

  /** The tree path alone: every body the stream does not take, and the reference in tests. */
  List<InboundEvent> parseTree(byte[] body) {
    JsonNode root = Json.readObject(body);
    String object = Json.text(root, "object");
    if (object == null) {
      throw new PayloadException("missing object");
    }
    List<InboundEvent> events = new ArrayList<>();
    switch (object) {
      case "whatsapp_business_account" -> parseWhatsApp(root, events);
      case "page" -> parseMessaging(Provider.MESSENGER, root, events);
      case "instagram" -> parseMessaging(Provider.INSTAGRAM, root, events);
      default -> {
        // Another Graph object (user, permissions, ...): signed by Meta, but nothing we route.
      }
    }
    return events;
  }

  /** A WhatsApp template's new status ({@code message_template_status_update}). */
  public record TemplateStatus(String name, String language, String event) {}

  private static final byte[] TEMPLATE_FIELD =
      "message_template_status_update".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /**
   * The template status updates of a verified WhatsApp webhook body: each {@code entry[].changes[]}
   * whose {@code field} is {@code message_template_status_update} with a template name and an
   * event. A body that does not mention the field is not parsed (a byte scan); one that is not a
   * JSON object gives none (its events are refused by {@link #parse}).
   */
  public static List<TemplateStatus> templateStatuses(byte[] body) {
    if (body == null || indexOf(body, TEMPLATE_FIELD) < 0) {
      return List.of();
    }
    List<TemplateStatus> out = new ArrayList<>();
    try {
      JsonNode root = Json.readObject(body);
      for (JsonNode entry : Json.array(root, "entry")) {
        for (JsonNode change : Json.array(entry, "changes")) {
          JsonNode value = Json.object(change, "value");
          if (!"message_template_status_update".equals(Json.text(change, "field"))
              || value == null) {
            continue;
          }
          String name = Json.text(value, "message_template_name");
          String event = Json.text(value, "event");
          if (name != null && event != null) {
            out.add(new TemplateStatus(name, Json.text(value, "message_template_language"), event));
          }
        }
      }
    } catch (RuntimeException e) {
      return List.of();
    }
    return out;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0, last = haystack.length - needle.length; i <= last; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  // --- WhatsApp -------------------------------------------------------------------------------

  private static void parseWhatsApp(JsonNode root, List<InboundEvent> events) {
    for (JsonNode entry : Json.requiredArray(root, "entry")) {
      Json.element(entry, "entry");
      for (JsonNode change : Json.array(entry, "changes")) {
        Json.element(change, "changes");
        JsonNode value = Json.object(change, "value");
        if (!"messages".equals(Json.text(change, "field")) || value == null) {
          continue;
        }
        JsonNode metadata = Json.object(value, "metadata");
        String phoneNumberId = Json.id(metadata, "phone_number_id");
        String displayNumber = Json.id(metadata, "display_phone_number");
        Map<String, String> names = profileNames(value.get("contacts"));
        for (JsonNode m : Json.array(value, "messages")) {
          events.add(
              whatsAppMessage(
                  Json.element(m, "messages"), null, phoneNumberId, displayNumber, names));
        }
        for (JsonNode s : Json.array(value, "statuses")) {
          InboundEvent e =
              whatsAppStatus(Json.element(s, "statuses"), null, phoneNumberId, displayNumber);
          if (e != null) {
            events.add(e);
          }
        }
      }
    }
  }

  /**
   * The senders' profile names of a change: {@code contacts[]} maps {@code wa_id} to {@code
   * profile.name}. Anything of another shape is left out (the name is a courtesy, not routing).
   */
  static Map<String, String> profileNames(JsonNode contacts) {
    if (contacts == null || !contacts.isArray() || contacts.isEmpty()) {
      return Map.of();
    }
    Map<String, String> names = new HashMap<>(4);
    for (JsonNode c : contacts) {
      String waId = c.isObject() ? Json.id(c, "wa_id") : null;
      JsonNode profile = waId == null ? null : c.get("profile");
      JsonNode name = profile != null && profile.isObject() ? profile.get("name") : null;
      if (name != null && name.isTextual() && !name.asText().isBlank()) {
        names.put(waId, name.asText());
      }
    }
    return names;
  }

  /**
   * @param raw the element's compact JSON when the caller has it already (byte-for-byte what {@link
   *     Json#compact} gives), else {@code null}
   */
  static InboundEvent whatsAppMessage(
      JsonNode m,
      String raw,
      String phoneNumberId,
      String displayNumber,
      Map<String, String> profileNames) {
    String wamid = Json.id(m, "id");
    if (wamid == null) {
      throw new PayloadException("WhatsApp message without id");
    }
    String from = Json.id(m, "from");
    String type = Json.text(m, "type");
    if (type == null || type.isBlank()) {
      type = "unknown";
    }
    return new InboundEvent(
        Provider.WHATSAPP,
        phoneNumberId,
        EventKind.MESSAGE,
        wamid,
        Addresses.endUser(from),
        Addresses.e164(from),
        Addresses.e164(displayNumber),
        wamid,
        Timestamps.unixSeconds(m.get("timestamp")),
        type,
        whatsAppText(m, type),
        null,
        null,
        raw != null ? raw : Json.compact(m),
        null,
        null,
        from == null ? null : profileNames.get(from));
  }

  /**
   * What the user typed or picked: the body of a text, the caption of media, the title of an
   * interactive reply or the text of a template quick-reply button.
   */
  private static String whatsAppText(JsonNode m, String type) {
    JsonNode content = Json.object(m, type);
    return switch (type) {
      case "text" -> Json.text(content, "body");
      case "image", "video", "document", "audio", "sticker" -> Json.text(content, "caption");
      case "button" -> Json.text(content, "text");
      case "interactive" -> interactiveTitle(content);
      default -> null;
    };
  }

  /** {@code interactive.button_reply.title} or {@code interactive.list_reply.title}. */
  private static String interactiveTitle(JsonNode interactive) {
    String kind = Json.text(interactive, "type");
    return kind == null ? null : Json.text(Json.object(interactive, kind), "title");
  }

  /**
   * Like {@link #whatsAppMessage(JsonNode, String, String, String, Map)}; {@code null} = not
   * routed.
   */
  static InboundEvent whatsAppStatus(
      JsonNode s, String raw, String phoneNumberId, String displayNumber) {
    String wamid = Json.id(s, "id");
    if (wamid == null) {
      throw new PayloadException("WhatsApp status without id");
    }
    String providerStatus = Json.text(s, "status");
    String status = providerStatus == null ? null : whatsAppStatus(providerStatus);
    if (status == null) {
      return null;
    }
    String recipient = Json.id(s, "recipient_id");
    JsonNode errors = s.get("errors");
    JsonNode error = errors != null && errors.isArray() && !errors.isEmpty() ? errors.get(0) : null;
    String errorCode = error == null ? null : Json.id(error, "code");
    return new InboundEvent(
        Provider.WHATSAPP,
        phoneNumberId,
        EventKind.STATUS,
        wamid + ":" + providerStatus,
        Addresses.endUser(recipient),
        Addresses.e164(displayNumber),
        Addresses.e164(recipient),
        wamid,
        Timestamps.unixSeconds(s.get("timestamp")),
        null,
        null,
        status,
        errorCode,
        raw != null ? raw : Json.compact(s),
        error == null ? null : errorMessage(error),
        MessageRef.messageId(Json.text(s, "biz_opaque_callback_data")),
        null);
  }

  /**
   * A WhatsApp status error's title and details ({@code "title: details"}), as the send path words
   * a refused call: the code alone does not say which template parameter or window was wrong.
   */
  static String errorMessage(JsonNode error) {
    String title = Json.text(error, "title");
    if (title == null) {
      title = Json.text(error, "message");
    }
    JsonNode data = error.get("error_data");
    String details = data == null ? null : Json.text(data, "details");
    if (title == null || details == null || details.equals(title)) {
      return title != null ? title : details;
    }
    return title + ": " + details;
  }

  private static String whatsAppStatus(String providerStatus) {
    return switch (providerStatus.toLowerCase(Locale.ROOT)) {
      case "sent" -> "sent";
      case "delivered" -> "delivered";
      case "read", "played" -> "read"; // played: a voice message was listened to, so it was read
      case "failed" -> "failed";
      default -> null;
    };
  }

  // --- Messenger and Instagram ----------------------------------------------------------------

  private static void parseMessaging(Provider provider, JsonNode root, List<InboundEvent> events) {
    for (JsonNode entry : Json.requiredArray(root, "entry")) {
      Json.element(entry, "entry");
      String channel = Json.id(entry, "id");
      for (JsonNode event : Json.array(entry, "messaging")) {
        Json.element(event, "messaging");
        String sender = Json.id(Json.object(event, "sender"), "id");
        String recipient = Json.id(Json.object(event, "recipient"), "id");
        long timestamp = Timestamps.unixMillisToSeconds(event.get("timestamp"));
        Context c = new Context(provider, channel, sender, recipient, timestamp, event);
        JsonNode message = Json.object(event, "message");
        JsonNode postback = Json.object(event, "postback");
        JsonNode delivery = Json.object(event, "delivery");
        JsonNode read = Json.object(event, "read");
        if (message != null) {
          if (!Json.isTrue(message, "is_echo")) {
            events.add(messengerMessage(c, message));
          }
        } else if (postback != null) {
          events.add(postback(c, postback));
        } else if (delivery != null) {
          receipts(c, delivery, "delivered", events);
        } else if (read != null) {
          receipts(c, read, "read", events);
        }
      }
    }
  }

  /** What one {@code messaging[]} element says about who, where and when. */
  private record Context(
      Provider provider,
      String channel,
      String sender,
      String recipient,
      long timestamp,
      JsonNode event) {}

  private static InboundEvent messengerMessage(Context c, JsonNode message) {
    String mid = Json.id(message, "mid");
    if (mid == null) {
      throw new PayloadException("message without mid");
    }
    String text = Json.text(message, "text");
    String type;
    String dedupId = mid;
    if (Json.isTrue(message, "is_deleted")) {
      // Instagram "unsend" reuses the mid of the message it removes; keep it apart in dedup.
      type = "deleted";
      dedupId = mid + ":deleted";
    } else if (text != null) {
      type = "text";
    } else {
      type = firstAttachmentType(message);
    }
    return messageEvent(c, dedupId, mid, type, text);
  }

  private static String firstAttachmentType(JsonNode message) {
    JsonNode attachments = message.get("attachments");
    if (attachments != null && attachments.isArray() && !attachments.isEmpty()) {
      String type = Json.text(attachments.get(0), "type");
      if (type != null && !type.isBlank()) {
        return type;
      }
    }
    return "unknown";
  }

  private static InboundEvent postback(Context c, JsonNode postback) {
    String mid = Json.id(postback, "mid");
    String dedupId = mid != null ? mid : derivedPostbackId(c, Json.text(postback, "payload"));
    return messageEvent(c, dedupId, mid, "postback", Json.text(postback, "title"));
  }

  /**
   * Older postbacks carry no mid; sender, millisecond time and payload identify a tap, and stay the
   * same when Meta redelivers it.
   */
  private static String derivedPostbackId(Context c, String payload) {
    JsonNode ms = c.event().get("timestamp");
    String key =
        c.sender()
            + "\n"
            + (ms == null ? "" : ms.asText())
            + "\n"
            + (payload == null ? "" : payload);
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return "postback:" + HEX.formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  private static InboundEvent messageEvent(
      Context c, String dedupId, String providerMessageId, String type, String text) {
    return new InboundEvent(
        c.provider(),
        c.channel(),
        EventKind.MESSAGE,
        dedupId,
        Addresses.endUser(c.sender()),
        c.sender(),
        c.recipient(),
        providerMessageId,
        c.timestamp(),
        type,
        text,
        null,
        null,
        Json.compact(c.event()));
  }

  /**
   * One status per mid: Messenger deliveries list {@code mids}, Instagram reads name a {@code mid}.
   */
  private static void receipts(
      Context c, JsonNode receipt, String status, List<InboundEvent> events) {
    List<String> mids = new ArrayList<>();
    String single = Json.id(receipt, "mid");
    if (single != null) {
      mids.add(single);
    }
    JsonNode list = receipt.get("mids");
    if (list != null && list.isArray()) {
      for (JsonNode n : list) {
        if (n.isTextual() && !n.textValue().isBlank()) {
          mids.add(n.textValue());
        }
      }
    }
    String raw = mids.isEmpty() ? null : Json.compact(c.event());
    for (String mid : mids) {
      events.add(
          new InboundEvent(
              c.provider(),
              c.channel(),
              EventKind.STATUS,
              mid + ":" + status,
              Addresses.endUser(c.sender()),
              c.sender(),
              c.recipient(),
              mid,
              c.timestamp(),
              null,
              null,
              status,
              null,
              raw));
    }
  }
}
