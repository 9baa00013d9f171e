package dev.sluice.gateway.ingress;

import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.core.signing.InfobipAuthVerifier;
import dev.sluice.gateway.ingress.IngressMetrics.Outcome;
import dev.sluice.gateway.ingress.parse.InfobipPayloadParser;
import dev.sluice.gateway.tenant.Channel;
import dev.sluice.gateway.tenant.TenantDirectory;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code POST /webhooks/infobip/{channel}}: inbound SMS and delivery reports. Infobip does not sign
 * webhooks, so each channel has a shared secret that must come in the {@code Authorization} header
 * (Basic, Bearer or App), and optionally an IP allow-list of Infobip's addresses.
 */
final class InfobipWebhookHandler {
  private final TenantDirectory directory;
  private final WebhookIngest ingest;
  private final InfobipAuthVerifier verifier = new InfobipAuthVerifier();
  private final InfobipPayloadParser parser = new InfobipPayloadParser();

  InfobipWebhookHandler(TenantDirectory directory, WebhookIngest ingest) {
    this.directory = directory;
    this.ingest = ingest;
  }

  void handle(RoutingContext ctx) {
    long start = System.nanoTime();
    WebhookSource p = WebhookSource.INFOBIP;
    Channel channel =
        ingest.channel(directory, p, Provider.INFOBIP, ctx.pathParam("channel"), start);
    String remote =
        ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress();
    if (channel.allowedIps() != null && !channel.allowedIps().allows(remote)) {
      throw ingest.reject(
          p,
          Outcome.FORBIDDEN,
          start,
          GatewayException.forbidden(
              "ip_not_allowed", "this address may not call this channel's webhook"));
    }
    ingest.requireValid(
        p,
        verifier.verify(
            channel.credential("webhookSecret").reveal(),
            ctx.request().getHeader(HttpHeaders.AUTHORIZATION)),
        start);
    byte[] body = WebhookIngest.body(ctx);
    List<InboundEvent> events = ingest.parse(p, start, () -> parser.parse(body));
    ingest.respond(ctx, p, start, events.stream().map(e -> new RoutedEvent(channel, e)).toList());
  }
}
