package dev.sluice.gateway.ingress;

/**
 * Told when Meta reports a WhatsApp template's new status through an app's webhook (the campaigns
 * sending it pause or resume). Called on the event loop: it must not block, and its work is its own
 * (the webhook is answered without waiting for it).
 */
@FunctionalInterface
public interface TemplateStatusListener {
  TemplateStatusListener NONE = (app, name, language, event) -> {};

  /**
   * @param app the Meta app whose webhook carried it
   * @param language the template's language code, or {@code null}
   * @param event Meta's event: {@code APPROVED}, {@code PAUSED}, {@code DISABLED}, …
   */
  void templateStatus(String app, String name, String language, String event);
}
