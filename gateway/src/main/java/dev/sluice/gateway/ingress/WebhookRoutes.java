package dev.sluice.gateway.ingress;

import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.http.Routes;
import dev.sluice.gateway.tenant.TenantDirectory;
import io.vertx.ext.web.Router;
import java.time.Clock;

/** Mounts the provider webhook endpoints of one verticle. */
public final class WebhookRoutes implements Routes {
  private final MetaWebhookHandler meta;
  private final TelegramWebhookHandler telegram;
  private final TwilioWebhookHandler twilio;
  private final InfobipWebhookHandler infobip;
  private final StandardWebhookHandler standard;

  /**
   * @param ingest this verticle's admission pipeline
   */
  public WebhookRoutes(
      TenantDirectory directory, WebhookIngest ingest, GatewayConfig.Ingress config, Clock clock) {
    this(directory, ingest, config, clock, TemplateStatusListener.NONE);
  }

  /**
   * @param templates told of WhatsApp template status updates
   */
  public WebhookRoutes(
      TenantDirectory directory,
      WebhookIngest ingest,
      GatewayConfig.Ingress config,
      Clock clock,
      TemplateStatusListener templates) {
    this.meta = new MetaWebhookHandler(directory, ingest, templates);
    this.telegram = new TelegramWebhookHandler(directory, ingest);
    this.twilio = new TwilioWebhookHandler(directory, ingest);
    this.infobip = new InfobipWebhookHandler(directory, ingest);
    this.standard =
        new StandardWebhookHandler(directory, ingest, clock, config.standardToleranceSeconds());
  }

  @Override
  public void mount(Router router) {
    router.get("/webhooks/meta/:app").handler(meta::handshake);
    router.post("/webhooks/meta/:app").handler(meta::handle);
    router.post("/webhooks/telegram/:channel").handler(telegram::handle);
    router.post("/webhooks/twilio/:channel").handler(twilio::handle);
    router.post("/webhooks/infobip/:channel").handler(infobip::handle);
    router.post("/webhooks/standard/:channel").handler(standard::handle);
  }
}
