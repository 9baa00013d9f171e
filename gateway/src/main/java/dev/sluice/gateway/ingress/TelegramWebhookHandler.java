package dev.sluice.gateway.ingress;

import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.core.signing.TelegramSecretVerifier;
import dev.sluice.gateway.ingress.parse.TelegramPayloadParser;
import dev.sluice.gateway.tenant.Channel;
import dev.sluice.gateway.tenant.TenantDirectory;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code POST /webhooks/telegram/{channel}}: the secret token set with {@code setWebhook} must come
 * back in {@code X-Telegram-Bot-Api-Secret-Token}; deduplication is on {@code update_id}.
 */
final class TelegramWebhookHandler {
  static final String SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token";

  private final TenantDirectory directory;
  private final WebhookIngest ingest;
  private final TelegramSecretVerifier verifier = new TelegramSecretVerifier();
  private final TelegramPayloadParser parser = new TelegramPayloadParser();

  TelegramWebhookHandler(TenantDirectory directory, WebhookIngest ingest) {
    this.directory = directory;
    this.ingest = ingest;
  }

  void handle(RoutingContext ctx) {
    long start = System.nanoTime();
    WebhookSource p = WebhookSource.TELEGRAM;
    Channel channel =
        ingest.channel(directory, p, Provider.TELEGRAM, ctx.pathParam("channel"), start);
    ingest.requireValid(
        p,
        verifier.verify(
            channel.credential("secretToken").reveal(), ctx.request().getHeader(SECRET_HEADER)),
        start);
    byte[] body = WebhookIngest.body(ctx);
    List<InboundEvent> events = ingest.parse(p, start, () -> parser.parse(body));
    ingest.respond(ctx, p, start, events.stream().map(e -> new RoutedEvent(channel, e)).toList());
  }
}
