package dev.sluice.gateway.ingress;

import dev.sluice.gateway.core.EventKind;
import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.core.MessageRef;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.core.signing.TwilioSignatureVerifier;
import dev.sluice.gateway.core.signing.Verdict;
import dev.sluice.gateway.ingress.parse.TwilioPayloadParser;
import dev.sluice.gateway.tenant.Channel;
import dev.sluice.gateway.tenant.TenantDirectory;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code POST /webhooks/twilio/{channel}}: inbound messages and status callbacks. {@code
 * X-Twilio-Signature} covers the URL Twilio called — the channel's {@code publicUrl} as configured
 * at Twilio, plus this request's query string — and the sorted form parameters; JSON bodies use the
 * {@code bodySHA256} variant, where the URL alone is signed and the body's hash is in the query.
 */
final class TwilioWebhookHandler {
  static final String SIGNATURE_HEADER = "X-Twilio-Signature";

  private final TenantDirectory directory;
  private final WebhookIngest ingest;
  private final TwilioSignatureVerifier verifier = new TwilioSignatureVerifier();
  private final TwilioPayloadParser parser = new TwilioPayloadParser();

  TwilioWebhookHandler(TenantDirectory directory, WebhookIngest ingest) {
    this.directory = directory;
    this.ingest = ingest;
  }

  void handle(RoutingContext ctx) {
    long start = System.nanoTime();
    WebhookSource p = WebhookSource.TWILIO;
    Channel channel =
        ingest.channel(directory, p, Provider.TWILIO, ctx.pathParam("channel"), start);
    String token = channel.credential("authToken").reveal();
    String url = signedUrl(channel.publicUrl(), ctx.request().query());
    String signature = ctx.request().getHeader(SIGNATURE_HEADER);
    byte[] body = WebhookIngest.body(ctx);
    List<InboundEvent> events;
    if (isJson(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE))) {
      ingest.requireValid(p, verifier.verifyJson(token, url, body, signature), start);
      events = ingest.parse(p, start, () -> parser.parseJson(body));
    } else {
      Map<String, List<String>> form;
      try {
        form = TwilioSignatureVerifier.decodeForm(body);
      } catch (IllegalArgumentException e) {
        // Twilio cannot have signed a body that is not a form: nothing here can verify.
        ingest.requireValid(p, Verdict.MALFORMED, start);
        return;
      }
      ingest.requireValid(p, verifier.verifyForm(token, url, form, signature), start);
      events = ingest.parse(p, start, () -> parser.parse(form));
    }
    // The status callback URL of a message we sent names it; the signature covers the URL.
    String messageId = MessageRef.bareId(ctx.queryParams().get(MessageRef.TWILIO_PARAM));
    ingest.respond(
        ctx,
        p,
        start,
        events.stream()
            .map(
                e ->
                    e.kind() == EventKind.STATUS && messageId != null
                        ? e.withMessageId(messageId)
                        : e)
            .map(e -> new RoutedEvent(channel, e))
            .toList());
  }

  /**
   * The URL Twilio signed: the URL it called, which is the configured public URL with the query
   * this request came with (the configured URL's own query, and what the connector added to a
   * status callback).
   */
  static String signedUrl(String publicUrl, String query) {
    if (query == null || query.isEmpty()) {
      return publicUrl;
    }
    int q = publicUrl.indexOf('?');
    return (q < 0 ? publicUrl : publicUrl.substring(0, q)) + "?" + query;
  }

  private static boolean isJson(String contentType) {
    return contentType != null
        && contentType.toLowerCase(Locale.ROOT).startsWith("application/json");
  }
}
