package dev.sluice.gateway.ingress.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.core.EventKind;
import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.core.Provider;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The event in a Twilio Messaging webhook: an inbound message, or a status callback for a message
 * we sent (twilio.com/docs/messaging/guides/webhook-request, outbound-message-status-in-status-
 * callbacks).
 *
 * <ul>
 *   <li>{@code MessageStatus} present (other than {@code receiving}/{@code received}, which
 *       describe an inbound message) → {@link EventKind#STATUS}: {@code dedupId} = {@code
 *       MessageSid:MessageStatus}, {@code endUser} = {@code To}, status normalised, {@code
 *       errorCode} = {@code ErrorCode} when non-blank. {@code partially_delivered} (group MMS)
 *       counts as sent; a status outside Twilio's documented enum gives an empty list.
 *   <li>Otherwise an inbound {@link EventKind#MESSAGE}: {@code dedupId} = {@code MessageSid} (else
 *       {@code SmsMessageSid}, else {@code SmsSid}), {@code endUser} = {@code From}, {@code text} =
 *       {@code Body}, type {@code media} when {@code NumMedia} &gt; 0 else {@code text}.
 * </ul>
 *
 * <p>{@code endUser} drops a {@code whatsapp:} prefix and a leading {@code +}; {@code from} and
 * {@code to} drop the prefix and keep Twilio's E.164 (short codes as they are). A WhatsApp
 * message's {@code ProfileName} is the event's {@code profileName}. {@code timestamp} is 0: Twilio
 * webhooks carry no event time. {@code raw} is a JSON object of all fields (one value → string,
 * repeated → array). Stateless and thread-safe.
 */
public final class TwilioPayloadParser {

  /** The event in a verified, already decoded {@code application/x-www-form-urlencoded} body. */
  public List<InboundEvent> parse(Map<String, List<String>> formParams) {
    if (formParams == null) {
      throw new PayloadException("missing form parameters");
    }
    Map<String, List<String>> fields = new LinkedHashMap<>();
    for (Map.Entry<String, List<String>> e : formParams.entrySet()) {
      if (e.getKey() == null || e.getValue() == null) {
        continue;
      }
      List<String> values = new ArrayList<>(e.getValue().size());
      for (String v : e.getValue()) {
        if (v != null) {
          values.add(v);
        }
      }
      if (!values.isEmpty()) {
        fields.put(e.getKey(), values);
      }
    }
    return Identifiers.checked(event(fields, rawOf(fields)));
  }

  /**
   * The event in a verified {@code application/json} body: an object with the form's field names,
   * values strings, numbers or booleans (arrays of them for repeated fields). {@code raw} is the
   * body.
   */
  public List<InboundEvent> parseJson(byte[] body) {
    JsonNode root = Json.readObject(body);
    Map<String, List<String>> fields = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      List<String> values = new ArrayList<>();
      if (e.getValue().isArray()) {
        for (JsonNode v : e.getValue()) {
          addScalar(v, values);
        }
      } else {
        addScalar(e.getValue(), values);
      }
      if (!values.isEmpty()) {
        fields.put(e.getKey(), values);
      }
    }
    return Identifiers.checked(event(fields, Json.compact(root)));
  }

  private static void addScalar(JsonNode v, List<String> values) {
    if (v.isTextual() || v.isNumber() || v.isBoolean()) {
      values.add(v.asText());
    }
  }

  private static String rawOf(Map<String, List<String>> fields) {
    ObjectNode raw = Json.MAPPER.createObjectNode();
    fields.forEach(
        (name, values) -> {
          if (values.size() == 1) {
            raw.put(name, values.get(0));
          } else {
            ArrayNode array = raw.putArray(name);
            values.forEach(array::add);
          }
        });
    return Json.compact(raw);
  }

  private static List<InboundEvent> event(Map<String, List<String>> fields, String raw) {
    String sid = first(fields, "MessageSid");
    if (sid == null) {
      sid = first(fields, "SmsMessageSid");
    }
    if (sid == null) {
      sid = first(fields, "SmsSid");
    }
    if (sid == null) {
      throw new PayloadException("missing MessageSid");
    }
    String from = rawFirst(fields, "From");
    String to = rawFirst(fields, "To");
    String providerStatus = first(fields, "MessageStatus");
    if (providerStatus != null && !isInbound(providerStatus)) {
      String status = normalise(providerStatus);
      if (status == null) {
        return List.of();
      }
      return List.of(
          new InboundEvent(
              Provider.TWILIO,
              null,
              EventKind.STATUS,
              sid + ":" + providerStatus,
              Addresses.endUser(to),
              Addresses.e164(from),
              Addresses.e164(to),
              sid,
              0,
              null,
              null,
              status,
              first(fields, "ErrorCode"),
              raw));
    }
    return List.of(
        new InboundEvent(
            Provider.TWILIO,
            null,
            EventKind.MESSAGE,
            sid,
            Addresses.endUser(from),
            Addresses.e164(from),
            Addresses.e164(to),
            sid,
            0,
            numMedia(first(fields, "NumMedia")) > 0 ? "media" : "text",
            rawFirst(fields, "Body"),
            null,
            null,
            raw,
            null,
            null,
            first(fields, "ProfileName")));
  }

  private static boolean isInbound(String providerStatus) {
    String s = providerStatus.toLowerCase(Locale.ROOT);
    return s.equals("received") || s.equals("receiving");
  }

  private static String normalise(String providerStatus) {
    return switch (providerStatus.toLowerCase(Locale.ROOT)) {
      case "queued", "accepted", "scheduled" -> "queued";
      case "sending", "sent", "partially_delivered" -> "sent";
      case "delivered" -> "delivered";
      case "read" -> "read";
      case "undelivered", "failed", "canceled" -> "failed";
      default -> null;
    };
  }

  private static int numMedia(String value) {
    if (value == null || value.isEmpty() || value.length() > 9) {
      return 0;
    }
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) < '0' || value.charAt(i) > '9') {
        return 0;
      }
    }
    return Integer.parseInt(value);
  }

  /** The first value, trimmed; blank is absent. */
  private static String first(Map<String, List<String>> fields, String name) {
    String v = rawFirst(fields, name);
    if (v == null) {
      return null;
    }
    v = v.trim();
    return v.isEmpty() ? null : v;
  }

  /** The first value exactly as sent (a Body keeps its spaces). */
  private static String rawFirst(Map<String, List<String>> fields, String name) {
    List<String> values = fields.get(name);
    return values == null ? null : values.get(0);
  }
}
