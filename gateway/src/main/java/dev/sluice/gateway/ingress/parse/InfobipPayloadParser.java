package dev.sluice.gateway.ingress.parse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.core.EventKind;
import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.core.MessageRef;
import dev.sluice.gateway.core.Provider;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Events out of an Infobip SMS webhook body {@code {"results":[…]}}: delivery reports (v2 and v3
 * shapes) and inbound (MO) messages, one event per result.
 *
 * <ul>
 *   <li>A result with a {@code status} object is a delivery report → {@link EventKind#STATUS}:
 *       {@code dedupId} = {@code messageId:status.groupName}; {@code DELIVERED} → delivered, {@code
 *       PENDING}/{@code ACCEPTED} → sent, {@code UNDELIVERABLE}/{@code EXPIRED}/{@code REJECTED} →
 *       failed, other groups not routed; {@code endUser} = {@code to} (v3 may say {@code
 *       destination}); {@code from} = {@code sender} (v2: {@code from}); {@code errorCode} = {@code
 *       error.id} when the error group is not {@code OK}/{@code Ok} or the id is not 0; timestamp =
 *       {@code doneAt}, else {@code sentAt}.
 *   <li>A result with {@code text} or {@code receivedAt} and no {@code status} is an MO message →
 *       {@link EventKind#MESSAGE}: {@code dedupId} = {@code messageId}, {@code endUser} = {@code
 *       from}, type {@code text}, {@code text} = {@code text} (keyword included), timestamp =
 *       {@code receivedAt}.
 *   <li>Any other result is skipped.
 * </ul>
 *
 * <p>Timestamps such as {@code 2019-11-09T16:00:00.000+0000} become Unix seconds; unparseable ones
 * become 0. A result without {@code messageId} rejects the whole body. Stateless and thread-safe.
 */
public final class InfobipPayloadParser {

  /** The events in a verified Infobip report or MO body, in payload order. */
  public List<InboundEvent> parse(byte[] body) {
    JsonNode root = Json.readObject(body);
    List<InboundEvent> events = new ArrayList<>();
    for (JsonNode result : Json.requiredArray(root, "results")) {
      Json.element(result, "results");
      JsonNode status = Json.object(result, "status");
      if (status != null) {
        InboundEvent e = report(result, status);
        if (e != null) {
          events.add(e);
        }
      } else if (result.has("text") || result.has("receivedAt")) {
        events.add(inbound(result));
      }
    }
    return Identifiers.checked(events);
  }

  private static InboundEvent report(JsonNode result, JsonNode statusNode) {
    String messageId = messageId(result);
    String group = Json.text(statusNode, "groupName");
    String status = group == null ? null : normalise(group);
    if (status == null) {
      return null;
    }
    String to = Json.id(result, "to");
    if (to == null) {
      to = Json.id(result, "destination");
    }
    String from = Json.id(result, "sender");
    if (from == null) {
      from = Json.id(result, "from");
    }
    long doneAt = Timestamps.isoToSeconds(Json.text(result, "doneAt"));
    return new InboundEvent(
        Provider.INFOBIP,
        null,
        EventKind.STATUS,
        messageId + ":" + group,
        Addresses.endUser(to),
        Addresses.e164(from),
        Addresses.e164(to),
        messageId,
        doneAt != 0 ? doneAt : Timestamps.isoToSeconds(Json.text(result, "sentAt")),
        null,
        null,
        status,
        errorCode(Json.object(result, "error")),
        Json.compact(result),
        null,
        MessageRef.messageId(Json.text(result, "callbackData")),
        null);
  }

  private static InboundEvent inbound(JsonNode result) {
    String messageId = messageId(result);
    String from = Json.id(result, "from");
    return new InboundEvent(
        Provider.INFOBIP,
        null,
        EventKind.MESSAGE,
        messageId,
        Addresses.endUser(from),
        Addresses.e164(from),
        Addresses.e164(Json.id(result, "to")),
        messageId,
        Timestamps.isoToSeconds(Json.text(result, "receivedAt")),
        "text",
        Json.text(result, "text"),
        null,
        null,
        Json.compact(result));
  }

  private static String messageId(JsonNode result) {
    String id = Json.id(result, "messageId");
    if (id == null) {
      throw new PayloadException("result without messageId");
    }
    return id;
  }

  private static String normalise(String groupName) {
    return switch (groupName.toUpperCase(Locale.ROOT)) {
      case "DELIVERED" -> "delivered";
      case "PENDING", "ACCEPTED" -> "sent";
      case "UNDELIVERABLE", "EXPIRED", "REJECTED" -> "failed";
      default -> null;
    };
  }

  /** {@code error.id} unless the error object says "no error" (group OK, id 0). */
  private static String errorCode(JsonNode error) {
    if (error == null) {
      return null;
    }
    String id = Json.id(error, "id");
    String group = Json.text(error, "groupName");
    boolean ok = (group == null || group.equalsIgnoreCase("OK")) && (id == null || id.equals("0"));
    if (ok) {
      return null;
    }
    return id != null ? id : Json.text(error, "name");
  }
}
