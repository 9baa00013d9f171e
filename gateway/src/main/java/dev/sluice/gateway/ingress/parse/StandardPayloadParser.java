package dev.sluice.gateway.ingress.parse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.core.EventKind;
import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.core.Provider;
import java.util.List;
import java.util.Locale;

/**
 * The event in a Standard Webhooks (standardwebhooks.com) body, one per request.
 *
 * <p>{@code dedupId} = the {@code webhook-id} header (the spec's idempotency key, equal across
 * retries). {@code type} = the body's {@code type}; the event is a {@link EventKind#STATUS} when
 * that contains {@code status}, else a {@link EventKind#MESSAGE}. From {@code data}, all optional:
 * {@code from}, {@code to}, {@code text}, {@code messageId} (→ providerMessageId) and {@code
 * status}, kept only when it is already one of {@code queued|sent|delivered|read|failed}. {@code
 * endUser} is {@code data.from} for a message and {@code data.to} for a status (the person our
 * message went to). {@code timestamp} is the body's {@code timestamp}, ISO-8601 or Unix seconds,
 * else 0. {@code raw} is the whole body. Stateless and thread-safe.
 */
public final class StandardPayloadParser {

  private static final List<String> STATUSES =
      List.of("queued", "sent", "delivered", "read", "failed");

  /** The event in a verified body; {@code webhookId} is the verified {@code webhook-id} header. */
  public List<InboundEvent> parse(String webhookId, byte[] body) {
    if (webhookId == null || webhookId.isBlank()) {
      throw new PayloadException("missing webhook-id");
    }
    JsonNode root = Json.readObject(body);
    String type = Json.text(root, "type");
    boolean isStatus = type != null && type.toLowerCase(Locale.ROOT).contains("status");
    JsonNode data = Json.object(root, "data");
    String from = Json.id(data, "from");
    String to = Json.id(data, "to");
    String status = Json.text(data, "status");
    if (status != null) {
      status = status.toLowerCase(Locale.ROOT);
      status = STATUSES.contains(status) ? status : null;
    }
    return Identifiers.checked(
        List.of(
            new InboundEvent(
                Provider.STANDARD,
                null,
                isStatus ? EventKind.STATUS : EventKind.MESSAGE,
                webhookId,
                Addresses.endUser(isStatus ? to : from),
                from,
                to,
                Json.id(data, "messageId"),
                Timestamps.anySeconds(root.get("timestamp")),
                type,
                Json.text(data, "text"),
                status,
                null,
                Json.compact(root))));
  }
}
