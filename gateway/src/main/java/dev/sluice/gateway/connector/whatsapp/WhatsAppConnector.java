package dev.sluice.gateway.connector.whatsapp;

import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.config.Secret;
import dev.sluice.gateway.connector.Connector;
import dev.sluice.gateway.connector.MessageContent;
import dev.sluice.gateway.connector.OutboundMessage;
import dev.sluice.gateway.connector.ProviderCall;
import dev.sluice.gateway.connector.ProviderResponse;
import dev.sluice.gateway.connector.SendResult;
import dev.sluice.gateway.connector.SendResult.Outcome;
import dev.sluice.gateway.core.MessageRef;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.tenant.Channel;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;

/**
 * WhatsApp Cloud API: {@code POST {base}/{version}/{phone_number_id}/messages} with the channel's
 * {@code accessToken} as bearer token (provider-facts §2.1). A 2xx answer is SENT with the {@code
 * wamid}; errors are classified by {@code error.code} ({@link WhatsAppErrors}), which Meta returns
 * with HTTP 400 even for rate limits.
 */
public final class WhatsAppConnector implements Connector {
  /** Pair rate limit: the dispatcher paces the recipient with its own backoff (4^n s). */
  private static final int PAIR_RATE_LIMIT = 131056;

  private final ProviderCall call;
  private final String versionUrl;

  public WhatsAppConnector(WebClient client, GatewayConfig.Providers providers, Clock clock) {
    this.call = new ProviderCall(client, Provider.WHATSAPP, providers.requestTimeoutMs(), clock);
    this.versionUrl =
        stripSlash(providers.whatsappBaseUrl()) + "/" + providers.whatsappApiVersion() + "/";
  }

  @Override
  public Provider provider() {
    return Provider.WHATSAPP;
  }

  @Override
  public Future<SendResult> send(Channel channel, OutboundMessage message) {
    Secret token = channel.credential("accessToken");
    if (token.isEmpty() || channel.address() == null || channel.address().isBlank()) {
      return Future.succeededFuture(
          SendResult.permanent(
              "channel_misconfigured", "channel needs a phone_number_id and an accessToken", 0));
    }
    JsonObject body;
    try {
      body = body(message);
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(SendResult.permanent("invalid_content", e.getMessage(), 0));
    }
    String url =
        versionUrl + URLEncoder.encode(channel.address(), StandardCharsets.UTF_8) + "/messages";
    return call.complete(
        call.post(url).bearerTokenAuthentication(token.reveal()).sendJsonObject(body),
        channel,
        message,
        WhatsAppConnector::classify);
  }

  /** The request body, as in provider-facts §2.1. */
  static JsonObject body(OutboundMessage message) {
    // Meta echoes biz_opaque_callback_data in the message's status webhooks.
    JsonObject body =
        new JsonObject()
            .put("messaging_product", "whatsapp")
            .put("biz_opaque_callback_data", MessageRef.of(message.id()));
    MessageContent content = message.content();
    if (content instanceof MessageContent.Text t) {
      return body.put("recipient_type", "individual")
          .put("to", message.toDigits())
          .put("type", "text")
          .put("text", new JsonObject().put("preview_url", false).put("body", t.body()));
    }
    if (content instanceof MessageContent.Template t) {
      JsonObject template =
          new JsonObject()
              .put("name", t.name())
              .put("language", new JsonObject().put("code", t.language()));
      if (t.componentsJson() != null) {
        template.put("components", components(t.componentsJson()));
      }
      return body.put("to", message.toDigits()).put("type", "template").put("template", template);
    }
    MessageContent.Media m = (MessageContent.Media) content;
    JsonObject media = new JsonObject();
    if (m.link() != null) {
      media.put("link", m.link());
    } else {
      media.put("id", m.mediaId());
    }
    // Audio takes no caption; only documents have a file name.
    if (m.caption() != null && !m.kind().equals("audio")) {
      media.put("caption", m.caption());
    }
    if (m.filename() != null && m.kind().equals("document")) {
      media.put("filename", m.filename());
    }
    return body.put("recipient_type", "individual")
        .put("to", message.toDigits())
        .put("type", m.kind())
        .put(m.kind(), media);
  }

  private static JsonArray components(String json) {
    try {
      return new JsonArray(json);
    } catch (DecodeException | ClassCastException e) {
      // The parser's message quotes the input, which may hold personal data: not passed on.
      throw new IllegalArgumentException("template componentsJson is not a JSON array");
    }
  }

  static SendResult classify(ProviderResponse r) {
    if (r.isSuccess()) {
      return SendResult.sent(r.text("messages", "0", "id"), r.status());
    }
    String code = r.text("error", "code");
    String message = message(r);
    Integer known = integer(code);
    Outcome outcome = known == null ? null : WhatsAppErrors.classify(known);
    if (outcome == null) {
      return r.byStatus(code, message);
    }
    return switch (outcome) {
      case RETRYABLE ->
          SendResult.retryable(
              code, message, known == PAIR_RATE_LIMIT ? null : r.retryAfter(), r.status());
      case OPT_OUT -> SendResult.optOut(code, message, r.status());
      case PERMANENT -> SendResult.permanent(code, message, r.status());
      case SENT -> throw new IllegalStateException("an error code cannot mean SENT");
    };
  }

  /** Meta: build on {@code code} and {@code error_data.details}; the title in message goes away. */
  private static String message(ProviderResponse r) {
    String title = r.text("error", "message");
    String details = r.text("error", "error_data", "details");
    if (title == null) {
      return details;
    }
    return details == null ? title : title + ": " + details;
  }

  private static Integer integer(String code) {
    try {
      return code == null ? null : Integer.valueOf(code);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
