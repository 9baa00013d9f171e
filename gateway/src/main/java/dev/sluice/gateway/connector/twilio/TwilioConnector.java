package dev.sluice.gateway.connector.twilio;

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
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.WebClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;

/**
 * Twilio Programmable Messaging (provider-facts §4): a form {@code POST
 * {base}/2010-04-01/Accounts/{AccountSid}/Messages.json} with HTTP Basic {@code
 * AccountSid:AuthToken}. A sender address starting with {@code MG} is a Messaging Service and goes
 * as {@code MessagingServiceSid}, any other as {@code From}. 2xx is SENT with the {@code sid};
 * errors are classified by the JSON {@code code} ({@link TwilioErrors}), else by HTTP status.
 *
 * <p>{@code StatusCallback} is the channel's {@code publicUrl} when it has one: that is the URL the
 * Twilio webhook handler checks {@code X-Twilio-Signature} against, so a callback to any other URL
 * would be rejected. Without it, {@code {gateway publicUrl}/webhooks/twilio/{channel id}}; with
 * neither, no callback is requested.
 */
public final class TwilioConnector implements Connector {
  private final ProviderCall call;
  private final String accountsUrl;
  private final String publicUrl;

  /**
   * @param publicUrl the gateway's public URL, may be empty
   */
  public TwilioConnector(
      WebClient client, GatewayConfig.Providers providers, String publicUrl, Clock clock) {
    this.call = new ProviderCall(client, Provider.TWILIO, providers.requestTimeoutMs(), clock);
    this.accountsUrl = stripSlash(providers.twilioBaseUrl()) + "/2010-04-01/Accounts/";
    this.publicUrl = publicUrl == null ? "" : stripSlash(publicUrl);
  }

  @Override
  public Provider provider() {
    return Provider.TWILIO;
  }

  @Override
  public Future<SendResult> send(Channel channel, OutboundMessage message) {
    Secret accountSid = channel.credential("accountSid");
    Secret authToken = channel.credential("authToken");
    if (accountSid.isEmpty()
        || authToken.isEmpty()
        || channel.address() == null
        || channel.address().isBlank()) {
      return Future.succeededFuture(
          SendResult.permanent(
              "channel_misconfigured", "channel needs an address, accountSid and authToken", 0));
    }
    // The form is encoded here, in one pass: the web client's form encoder is a general multipart
    // machine and cost more than the rest of the call.
    StringBuilder form = new StringBuilder(256);
    field(form, "To", message.to());
    field(
        form,
        channel.address().startsWith("MG") ? "MessagingServiceSid" : "From",
        channel.address());
    MessageContent content = message.content();
    if (content instanceof MessageContent.Text t) {
      field(form, "Body", t.body());
    } else if (content instanceof MessageContent.Media m && m.link() != null) {
      field(form, "MediaUrl", m.link());
      if (m.caption() != null) {
        field(form, "Body", m.caption());
      }
    } else {
      return Future.succeededFuture(
          SendResult.permanent(
              "unsupported_content", "twilio sends text and media by URL only", 0));
    }
    String callback = statusCallback(channel);
    if (callback != null) {
      // The callback names the message; Twilio signs the URL it calls, query included.
      field(
          form,
          "StatusCallback",
          callback
              + (callback.indexOf('?') < 0 ? '?' : '&')
              + MessageRef.TWILIO_PARAM
              + "="
              + message.id());
    }
    String url =
        accountsUrl
            + URLEncoder.encode(accountSid.reveal(), StandardCharsets.UTF_8)
            + "/Messages.json";
    return call.complete(
        call.post(url)
            .basicAuthentication(accountSid.reveal(), authToken.reveal())
            .putHeader("Content-Type", "application/x-www-form-urlencoded")
            .sendBuffer(Buffer.buffer(form.toString())),
        channel,
        message,
        TwilioConnector::classify);
  }

  private String statusCallback(Channel channel) {
    if (channel.publicUrl() != null && !channel.publicUrl().isBlank()) {
      return channel.publicUrl();
    }
    return publicUrl.isEmpty() ? null : publicUrl + "/webhooks/twilio/" + channel.id();
  }

  static SendResult classify(ProviderResponse r) {
    if (r.isSuccess()) {
      return SendResult.sent(r.text("sid"), r.status());
    }
    String code = r.text("code");
    String message = r.text("message");
    Outcome outcome = null;
    try {
      outcome = code == null ? null : TwilioErrors.classify(Integer.parseInt(code));
    } catch (NumberFormatException e) {
      // Not a Twilio code: classified by status below.
    }
    if (outcome == null) {
      return r.byStatus(code, message);
    }
    return switch (outcome) {
      case RETRYABLE -> SendResult.retryable(code, message, r.retryAfter(), r.status());
      case OPT_OUT -> SendResult.optOut(code, message, r.status());
      case PERMANENT -> SendResult.permanent(code, message, r.status());
      case SENT -> throw new IllegalStateException("an error code cannot mean SENT");
    };
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  /** Appends {@code name=value} to an {@code application/x-www-form-urlencoded} body. */
  private static void field(StringBuilder form, String name, String value) {
    if (!form.isEmpty()) {
      form.append('&');
    }
    form.append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
  }
}
