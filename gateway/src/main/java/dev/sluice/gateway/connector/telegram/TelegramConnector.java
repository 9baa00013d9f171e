package dev.sluice.gateway.connector.telegram;

import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.config.Secret;
import dev.sluice.gateway.connector.Connector;
import dev.sluice.gateway.connector.MessageContent;
import dev.sluice.gateway.connector.OutboundMessage;
import dev.sluice.gateway.connector.ProviderCall;
import dev.sluice.gateway.connector.ProviderResponse;
import dev.sluice.gateway.connector.SendResult;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.tenant.Channel;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * Telegram Bot API (provider-facts §3): {@code POST {base}/bot{botToken}/sendMessage} with {@code
 * {chat_id, text}}; media by link or {@code file_id} through {@code sendPhoto}, {@code
 * sendDocument}, {@code sendAudio} and {@code sendVideo}. Telegram has no templates.
 *
 * <p>Classified by the answer's {@code error_code} (the HTTP status when there is none): 429 is
 * RETRYABLE with {@code parameters.retry_after} (else {@code Retry-After}); 403 — the bot was
 * blocked, kicked, or the user is deactivated or never started the bot — is OPT_OUT, since no
 * message can reach that chat until the user acts; 5xx is RETRYABLE; anything else (400 bad
 * request, chat not found, 401 bad token) is PERMANENT.
 *
 * <p>The bot token is part of the URL path, so neither the URL nor any HTTP client exception text
 * is ever logged or returned ({@link ProviderCall}).
 */
public final class TelegramConnector implements Connector {
  /** Method and field name per media kind. */
  private static final Map<String, String[]> MEDIA =
      Map.of(
          "image", new String[] {"sendPhoto", "photo"},
          "document", new String[] {"sendDocument", "document"},
          "audio", new String[] {"sendAudio", "audio"},
          "video", new String[] {"sendVideo", "video"});

  private final ProviderCall call;
  private final String baseUrl;

  public TelegramConnector(WebClient client, GatewayConfig.Providers providers, Clock clock) {
    this.call = new ProviderCall(client, Provider.TELEGRAM, providers.requestTimeoutMs(), clock);
    String base = providers.telegramBaseUrl();
    this.baseUrl = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
  }

  @Override
  public Provider provider() {
    return Provider.TELEGRAM;
  }

  @Override
  public Future<SendResult> send(Channel channel, OutboundMessage message) {
    Secret token = channel.credential("botToken");
    if (token.isEmpty()) {
      return Future.succeededFuture(
          SendResult.permanent("channel_misconfigured", "channel has no botToken", 0));
    }
    String method;
    JsonObject body = new JsonObject().put("chat_id", chatId(message.to()));
    MessageContent content = message.content();
    if (content instanceof MessageContent.Text t) {
      method = "sendMessage";
      body.put("text", t.body());
    } else if (content instanceof MessageContent.Media m) {
      String[] methodAndField = MEDIA.get(m.kind());
      method = methodAndField[0];
      body.put(methodAndField[1], m.link() != null ? m.link() : m.mediaId());
      if (m.caption() != null) {
        body.put("caption", m.caption());
      }
    } else {
      return Future.succeededFuture(
          SendResult.permanent("unsupported_content", "telegram has no message templates", 0));
    }
    String url = baseUrl + "/bot" + token.reveal() + "/" + method;
    return call.complete(
        call.post(url).sendJsonObject(body), channel, message, r -> classify(r, message.to()));
  }

  /** Numeric chat ids go as numbers, {@code @channelusername} as a string. */
  private static Object chatId(String to) {
    try {
      return Long.valueOf(to);
    } catch (NumberFormatException e) {
      return to;
    }
  }

  /**
   * @param to the chat id sent, used when the answer does not name the chat
   */
  static SendResult classify(ProviderResponse r, String to) {
    boolean failed = "false".equals(r.text("ok"));
    if (r.isSuccess() && !failed) {
      String messageId = r.text("result", "message_id");
      String chat = r.text("result", "chat", "id");
      // A message id is unique only inside its chat.
      String id = messageId == null ? null : (chat != null ? chat : to) + ":" + messageId;
      return SendResult.sent(id, r.status());
    }
    String code = r.text("error_code");
    String description = r.text("description");
    int effective = integer(code, r.status());
    String c = code != null ? code : "http_" + r.status();
    if (effective == 429) {
      return SendResult.retryable(c, description, retryAfter(r), r.status());
    }
    if (effective == 403) {
      return SendResult.optOut(c, description, r.status());
    }
    if (effective >= 500) {
      return SendResult.retryable(c, description, r.retryAfter(), r.status());
    }
    return SendResult.permanent(c, description, r.status());
  }

  private static Duration retryAfter(ProviderResponse r) {
    String seconds = r.text("parameters", "retry_after");
    int s = integer(seconds, -1);
    return s >= 0 ? Duration.ofSeconds(s) : r.retryAfter();
  }

  private static int integer(String s, int otherwise) {
    try {
      return s == null ? otherwise : Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return otherwise;
    }
  }
}
