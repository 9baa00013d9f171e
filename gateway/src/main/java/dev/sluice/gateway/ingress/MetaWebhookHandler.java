package dev.sluice.gateway.ingress;

import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.core.signing.MetaSignatureVerifier;
import dev.sluice.gateway.ingress.IngressMetrics.Outcome;
import dev.sluice.gateway.ingress.parse.MetaPayloadParser;
import dev.sluice.gateway.tenant.Channel;
import dev.sluice.gateway.tenant.MetaApp;
import dev.sluice.gateway.tenant.TenantDirectory;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code GET|POST /webhooks/meta/{app}}: one endpoint per Meta app, carrying WhatsApp, Messenger
 * and Instagram events of every tenant onboarded through that app. GET is the subscription
 * handshake; POST is verified with {@code X-Hub-Signature-256} (HMAC-SHA256 of the raw body with
 * the app secret), split into events and routed by the business address in each event (WhatsApp
 * {@code phone_number_id}, page id, Instagram account id).
 *
 * <p>An event whose address belongs to no channel of this app is acknowledged and counted as
 * unrouted, not refused: Meta would otherwise redeliver it for days, and a channel registered under
 * another app must not receive events signed with this app's secret.
 */
final class MetaWebhookHandler {
  static final String SIGNATURE_HEADER = "X-Hub-Signature-256";

  private final TenantDirectory directory;
  private final WebhookIngest ingest;
  private final MetaSignatureVerifier verifier = new MetaSignatureVerifier();
  private final MetaPayloadParser parser = new MetaPayloadParser();
  private final TemplateStatusListener templates;

  MetaWebhookHandler(
      TenantDirectory directory, WebhookIngest ingest, TemplateStatusListener templates) {
    this.directory = directory;
    this.ingest = ingest;
    this.templates = templates;
  }

  /** The handshake: echo {@code hub.challenge} when the verify token matches, else 403. */
  void handshake(RoutingContext ctx) {
    MetaApp app = app(ctx, System.nanoTime());
    String mode = ctx.request().getParam("hub.mode");
    String token = ctx.request().getParam("hub.verify_token");
    String challenge = ctx.request().getParam("hub.challenge");
    if (!"subscribe".equals(mode)
        || !app.verifyToken().matches(token)
        || challenge == null
        || challenge.isEmpty()
        || challenge.length() > 256) {
      throw GatewayException.forbidden(
          "verification_failed", "hub.mode or hub.verify_token does not match");
    }
    ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
        .putHeader("X-Content-Type-Options", "nosniff")
        .end(challenge);
  }

  void handle(RoutingContext ctx) {
    long start = System.nanoTime();
    WebhookSource s = WebhookSource.META;
    MetaApp app = app(ctx, start);
    byte[] body = WebhookIngest.body(ctx);
    ingest.requireValid(
        s,
        verifier.verify(
            app.appSecret().reveal().getBytes(StandardCharsets.UTF_8),
            body,
            ctx.request().getHeader(SIGNATURE_HEADER)),
        start);
    for (MetaPayloadParser.TemplateStatus t : MetaPayloadParser.templateStatuses(body)) {
      templates.templateStatus(app.id(), t.name(), t.language(), t.event());
    }
    List<InboundEvent> events = ingest.parse(s, start, () -> parser.parse(body));
    List<RoutedEvent> routed = new ArrayList<>(events.size());
    for (InboundEvent e : events) {
      Optional<Channel> channel =
          e.channelAddress() == null
              ? Optional.empty()
              : directory.channelByAddress(e.provider(), e.channelAddress());
      if (channel.isPresent() && app.id().equals(channel.get().metaAppId())) {
        routed.add(new RoutedEvent(channel.get(), e));
      } else {
        ingest.metrics().unrouted(e.provider());
      }
    }
    ingest.respond(ctx, s, start, routed);
  }

  private MetaApp app(RoutingContext ctx, long start) {
    String id = ctx.pathParam("app");
    return (id == null ? Optional.<MetaApp>empty() : directory.metaApp(id))
        .orElseThrow(
            () ->
                ingest.reject(
                    WebhookSource.META,
                    Outcome.NOT_FOUND,
                    start,
                    GatewayException.notFound("unknown_app", "no Meta app with this id")));
  }
}
