package dev.sluice.gateway.ingress;

import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.core.signing.StandardWebhookVerifier;
import dev.sluice.gateway.ingress.parse.StandardPayloadParser;
import dev.sluice.gateway.tenant.Channel;
import dev.sluice.gateway.tenant.TenantDirectory;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.List;

/**
 * {@code POST /webhooks/standard/{channel}}: Standard Webhooks ({@code webhook-id}, {@code
 * webhook-timestamp}, {@code webhook-signature}; Svix's {@code svix-*} names too), several
 * signatures per header, timestamps within the configured tolerance. Deduplication is on {@code
 * webhook-id}, which the spec keeps stable across retries.
 */
final class StandardWebhookHandler {
  private final TenantDirectory directory;
  private final WebhookIngest ingest;
  private final Clock clock;
  private final long toleranceSeconds;
  private final StandardWebhookVerifier verifier = new StandardWebhookVerifier();
  private final StandardPayloadParser parser = new StandardPayloadParser();

  StandardWebhookHandler(
      TenantDirectory directory, WebhookIngest ingest, Clock clock, long toleranceSeconds) {
    this.directory = directory;
    this.ingest = ingest;
    this.clock = clock;
    this.toleranceSeconds = toleranceSeconds;
  }

  void handle(RoutingContext ctx) {
    long start = System.nanoTime();
    WebhookSource p = WebhookSource.STANDARD;
    Channel channel =
        ingest.channel(directory, p, Provider.STANDARD, ctx.pathParam("channel"), start);
    HttpServerRequest req = ctx.request();
    String id = header(req, "webhook-id", "svix-id");
    byte[] body = WebhookIngest.body(ctx);
    ingest.requireValid(
        p,
        verifier.verify(
            channel.credential("secret").reveal(),
            id,
            header(req, "webhook-timestamp", "svix-timestamp"),
            header(req, "webhook-signature", "svix-signature"),
            body,
            clock.millis() / 1000,
            toleranceSeconds),
        start);
    List<InboundEvent> events = ingest.parse(p, start, () -> parser.parse(id, body));
    ingest.respond(ctx, p, start, events.stream().map(e -> new RoutedEvent(channel, e)).toList());
  }

  private static String header(HttpServerRequest req, String name, String alternative) {
    String v = req.getHeader(name);
    return v != null ? v : req.getHeader(alternative);
  }
}
