package dev.sluice.gateway.connector.infobip;

import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.config.Secret;
import dev.sluice.gateway.connector.Connector;
import dev.sluice.gateway.connector.MessageContent;
import dev.sluice.gateway.connector.OutboundMessage;
import dev.sluice.gateway.connector.ProviderCall;
import dev.sluice.gateway.connector.ProviderResponse;
import dev.sluice.gateway.connector.SendResult;
import dev.sluice.gateway.core.MessageRef;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.tenant.Channel;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Infobip SMS, send API v3 (provider-facts §5): {@code POST {credentials.baseUrl}/sms/3/messages}
 * with {@code Authorization: App {apiKey}}. Text only: SMS carries neither templates nor media.
 *
 * <p>Delivery reports are requested at {@code {gateway publicUrl}/webhooks/infobip/{channel id}}
 * with the channel's {@code webhookSecret} as Basic credentials in the URL's user-info, because
 * Infobip does not sign webhooks and the webhook handler authenticates them by that secret. Without
 * a public URL or a webhook secret no report URL is sent (a report without the secret would be
 * refused anyway).
 *
 * <p>Several messages of one channel go in one request ({@link #sendMany}, up to {@value
 * #MAX_BATCH}), one entry of {@code messages} each.
 *
 * <p>2xx is SENT with {@code messages[0].messageId}, unless {@code messages[0].status.groupName} is
 * {@code REJECTED} (PERMANENT with {@code status.name}). Errors carry a string {@code errorCode}
 * ({@code E400}, {@code E429}, ...) and are classified by HTTP status: 408, 429 and 5xx retryable,
 * other 4xx permanent.
 */
public final class InfobipConnector implements Connector {
  /** Messages per request at most. */
  static final int MAX_BATCH = 100;

  private final ProviderCall call;
  private final URI publicUrl;

  /**
   * @param publicUrl the gateway's public URL, may be empty
   * @throws IllegalArgumentException if a non-empty {@code publicUrl} is not an absolute URL
   */
  public InfobipConnector(
      WebClient client, GatewayConfig.Providers providers, String publicUrl, Clock clock) {
    this.call = new ProviderCall(client, Provider.INFOBIP, providers.requestTimeoutMs(), clock);
    this.publicUrl = publicUrl == null || publicUrl.isBlank() ? null : absolute(publicUrl);
    if (publicUrl != null && !publicUrl.isBlank() && this.publicUrl == null) {
      throw new IllegalArgumentException("publicUrl must be an absolute http(s) URL");
    }
  }

  @Override
  public Provider provider() {
    return Provider.INFOBIP;
  }

  @Override
  public Future<SendResult> send(Channel channel, OutboundMessage message) {
    return sendMany(channel, List.of(message)).map(results -> results.get(0));
  }

  @Override
  public int maxBatch() {
    return MAX_BATCH;
  }

  /**
   * Sends the messages in one request: one entry of {@code messages} each. The answer lists them by
   * destination; the dispatcher never puts two messages to one recipient in a call.
   */
  @Override
  public Future<List<SendResult>> sendMany(Channel channel, List<OutboundMessage> messages) {
    Secret apiKey = channel.credential("apiKey");
    URI baseUrl = absolute(channel.credential("baseUrl").reveal());
    if (apiKey.isEmpty()
        || baseUrl == null
        || channel.address() == null
        || channel.address().isBlank()) {
      return Future.succeededFuture(
          Collections.nCopies(
              messages.size(),
              SendResult.permanent(
                  "channel_misconfigured",
                  "channel needs an address, an apiKey and an absolute baseUrl",
                  0)));
    }
    SendResult[] results = new SendResult[messages.size()];
    List<OutboundMessage> carried = new ArrayList<>(messages.size());
    List<Integer> positions = new ArrayList<>(messages.size());
    JsonArray entries = new JsonArray();
    String notifyUrl = notifyUrl(channel);
    for (int i = 0; i < messages.size(); i++) {
      OutboundMessage message = messages.get(i);
      if (!(message.content() instanceof MessageContent.Text text)) {
        results[i] =
            SendResult.permanent("unsupported_content", "infobip SMS carries text only", 0);
        continue;
      }
      JsonObject sms =
          new JsonObject()
              .put("sender", channel.address())
              .put(
                  "destinations",
                  new JsonArray().add(new JsonObject().put("to", message.toDigits())))
              .put("content", new JsonObject().put("text", text.body()));
      // Infobip puts callbackData into the message's delivery reports.
      JsonObject webhooks = new JsonObject().put("callbackData", MessageRef.of(message.id()));
      if (notifyUrl != null) {
        webhooks.put("delivery", new JsonObject().put("url", notifyUrl));
      }
      sms.put("webhooks", webhooks);
      entries.add(sms);
      carried.add(message);
      positions.add(i);
    }
    if (carried.isEmpty()) {
      return Future.succeededFuture(List.of(results));
    }
    JsonObject body = new JsonObject().put("messages", entries);
    String url = stripSlash(baseUrl.toString()) + "/sms/3/messages";
    return call.completeMany(
            call.post(url)
                .putHeader("Authorization", "App " + apiKey.reveal())
                .sendJsonObject(body),
            channel,
            carried,
            r -> classify(r, carried))
        .map(
            outcomes -> {
              for (int k = 0; k < outcomes.size(); k++) {
                results[positions.get(k)] = outcomes.get(k);
              }
              return List.of(results);
            });
  }

  /** {@code https://sluice:{secret}@host[:port]/[prefix/]webhooks/infobip/{channel id}}. */
  private String notifyUrl(Channel channel) {
    String secret = channel.credential("webhookSecret").reveal();
    if (publicUrl == null || secret.isEmpty()) {
      return null;
    }
    String userInfo =
        "sluice:" + URLEncoder.encode(secret, StandardCharsets.UTF_8).replace("+", "%20");
    String port = publicUrl.getPort() == -1 ? "" : ":" + publicUrl.getPort();
    String path = publicUrl.getRawPath() == null ? "" : stripSlash(publicUrl.getRawPath());
    return publicUrl.getScheme()
        + "://"
        + userInfo
        + "@"
        + publicUrl.getHost()
        + port
        + path
        + "/webhooks/infobip/"
        + URLEncoder.encode(channel.id(), StandardCharsets.UTF_8);
  }

  /**
   * One result per message of a request: an error answer is every message's; in a 2xx answer each
   * message has its own entry, found by destination (in order when the answer has no destinations),
   * {@code REJECTED} being PERMANENT with {@code status.name}. A message the answer does not
   * mention was taken with the request (2xx) and counts as sent, without an id.
   */
  static List<SendResult> classify(ProviderResponse r, List<OutboundMessage> messages) {
    if (!r.isSuccess()) {
      return Collections.nCopies(messages.size(), error(r));
    }
    int answered = r.arraySize("messages");
    Map<String, Integer> byDestination = new HashMap<>();
    for (int j = 0; j < answered; j++) {
      String destination = r.text("messages", Integer.toString(j), "destination");
      if (destination == null) {
        destination = r.text("messages", Integer.toString(j), "to"); // the v2 shape
      }
      if (destination != null) {
        byDestination.putIfAbsent(destination, j);
      }
    }
    List<SendResult> out = new ArrayList<>(messages.size());
    for (int i = 0; i < messages.size(); i++) {
      Integer j = byDestination.get(messages.get(i).toDigits());
      if (j == null && byDestination.isEmpty() && i < answered) {
        j = i;
      }
      out.add(j == null ? SendResult.sent(null, r.status()) : entry(r, Integer.toString(j)));
    }
    return out;
  }

  private static SendResult entry(ProviderResponse r, String j) {
    if ("REJECTED".equals(r.text("messages", j, "status", "groupName"))) {
      String name = r.text("messages", j, "status", "name");
      return SendResult.permanent(
          name != null ? name : "REJECTED",
          r.text("messages", j, "status", "description"),
          r.status());
    }
    return SendResult.sent(r.text("messages", j, "messageId"), r.status());
  }

  private static SendResult error(ProviderResponse r) {
    String code = r.text("errorCode");
    String message = r.text("description");
    if (code == null) {
      // The older error shape, still answered by some endpoints (e.g. for bad credentials).
      code = r.text("requestError", "serviceException", "messageId");
      message = r.text("requestError", "serviceException", "text");
    }
    if ("E429".equals(code) && r.status() != 429) {
      return SendResult.retryable(code, message, r.retryAfter(), r.status());
    }
    return r.byStatus(code, message);
  }

  /** The URL if it is absolute http(s) with a host, else {@code null}. */
  private static URI absolute(String url) {
    try {
      URI uri = new URI(url);
      boolean http = "https".equals(uri.getScheme()) || "http".equals(uri.getScheme());
      return http && uri.getHost() != null ? uri : null;
    } catch (URISyntaxException e) {
      return null;
    }
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
