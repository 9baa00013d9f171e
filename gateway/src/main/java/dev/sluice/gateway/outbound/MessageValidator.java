package dev.sluice.gateway.outbound;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;
import dev.sluice.gateway.connector.MessageContent;
import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.outbound.MessageJson.Fields;
import dev.sluice.gateway.outbound.MessageJson.RawArray;
import dev.sluice.gateway.tenant.Channel;
import dev.sluice.gateway.tenant.TenantDirectory;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Clock;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns a tenant's message request into a {@link QueuedMessage}, or refuses it with a 422 naming
 * the field (a send window that is not one: 400 {@code invalid_window}). Phone numbers are
 * validated and normalised to E.164 with libphonenumber. Thread-safe.
 */
public final class MessageValidator {
  private static final Set<String> TEMPLATE_FIELDS = Set.of("name", "language", "components");
  private static final Set<String> MEDIA_FIELDS =
      Set.of("kind", "link", "id", "caption", "filename");

  static final Set<String> FIELDS =
      Set.of("channel", "to", "type", "text", "template", "media", "lane", "clientRef", "window");
  static final Set<Provider> SENDABLE =
      EnumSet.of(
          Provider.WHATSAPP, Provider.TELEGRAM, Provider.TWILIO, Provider.INFOBIP, Provider.SMPP);
  private static final Pattern TELEGRAM_CHAT = Pattern.compile("-?\\d{1,20}|@[A-Za-z0-9_]{5,32}");
  private static final Pattern TEMPLATE_NAME = Pattern.compile("[a-z0-9_]{1,512}");
  private static final Pattern LANGUAGE = Pattern.compile("[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})?");

  private final TenantDirectory directory;
  private final Clock clock;
  private final TimeBasedEpochGenerator ids = Generators.timeBasedEpochGenerator();

  public MessageValidator(TenantDirectory directory, Clock clock) {
    this.directory = directory;
    this.clock = clock;
  }

  /**
   * @param body the request's fields, read by {@link MessageJson}
   * @param extraFields fields besides the message's own that the caller handles (batch items)
   * @throws GatewayException 422 naming the first invalid field; 400 {@code invalid_window} for a
   *     send window that is not one, or that the recipient can never be sent within
   */
  QueuedMessage validate(String tenantId, Fields body, Set<String> extraFields) {
    for (String name : body.names()) {
      if (!FIELDS.contains(name) && !extraFields.contains(name)) {
        throw invalid(name + " is not a known field");
      }
    }
    Channel channel =
        directory
            .channel(string(body, "channel", true, 64))
            .filter(c -> c.tenantId().equals(tenantId))
            .orElseThrow(() -> invalid("channel does not name one of your channels"));
    if (!SENDABLE.contains(channel.provider())) {
      throw invalid(
          "channel: sending through " + channel.provider().wireName() + " is not supported");
    }
    String rawTo = string(body, "to", true, 64);
    String to;
    String recipient;
    if (channel.provider() == Provider.TELEGRAM) {
      if (!TELEGRAM_CHAT.matcher(rawTo).matches()) {
        throw invalid("to must be a Telegram chat id or @channelusername");
      }
      to = rawTo;
      recipient = rawTo;
    } else {
      to = e164(rawTo);
      recipient = to.substring(1);
    }
    OutboundLane lane =
        OutboundLane.fromWireName(string(body, "lane", false, 8))
            .orElseThrow(() -> invalid("lane must be high or low"));
    String clientRef = string(body, "clientRef", false, 128);
    if (clientRef != null && !clientRef.chars().allMatch(c -> c >= 0x20 && c != 0x7f)) {
      throw invalid("clientRef must not contain control characters");
    }
    SendWindow window = window(body, channel.provider(), to);
    MessageContent content = content(body, channel.provider());
    QueuedMessage m =
        new QueuedMessage(
            ids.generate().toString(),
            tenantId,
            channel.id(),
            channel.provider(),
            to,
            recipient,
            null,
            lane,
            clientRef,
            clock.millis(),
            content);
    return window == null ? m : m.withWindow(window);
  }

  /**
   * The message's send window, or {@code null} when it has none ({@code "window"} absent or null).
   * A window in the recipient's time zone needs a phone number, whose zones libphonenumber knows; a
   * window the recipient's zones never share (within the two weeks {@link SendWindow} looks ahead)
   * is refused now rather than failed later by the dispatcher.
   */
  private SendWindow window(Fields body, Provider provider, String to) {
    Object raw = body.get("window");
    if (raw == null) {
      return null;
    }
    SendWindow window;
    try {
      window = SendWindow.fromJson(raw instanceof Fields f ? f.json() : raw);
    } catch (IllegalArgumentException e) {
      throw invalidWindow(e.getMessage());
    }
    if (provider == Provider.TELEGRAM) {
      if (window.zone().isEmpty()) {
        throw invalidWindow(
            "window.timezone must name a zone (e.g. \"Europe/Berlin\") on a Telegram channel: a"
                + " chat id has no time zone");
      }
      return window;
    }
    if (window.zone().isEmpty() && window.zonesOf(to).isEmpty()) {
      throw invalidWindow(
          "the recipient's time zone is not known: name one in window.timezone (e.g."
              + " \"America/New_York\")");
    }
    if (window.nextSendTime(to, clock.instant()).isEmpty()) {
      throw invalidWindow(
          "the window is never open in all of the recipient's time zones at once (within two"
              + " weeks): widen it or name a timezone");
    }
    return window;
  }

  private static GatewayException invalidWindow(String message) {
    return GatewayException.malformed("invalid_window", message);
  }

  private MessageContent content(Fields body, Provider provider) {
    String type = string(body, "type", false, 16);
    if (type == null) {
      type = "text";
    }
    switch (type) {
      case "text" -> {
        int max = maxTextLength(provider);
        String text = string(body, "text", true, max);
        if (text.isBlank()) {
          throw invalid("text must not be blank");
        }
        only(body, "text");
        return new MessageContent.Text(text);
      }
      case "template" -> {
        if (provider != Provider.WHATSAPP) {
          throw invalid("type template is for WhatsApp channels");
        }
        Fields t = object(body, "template");
        String name = string(t, "name", true, 512, "template.");
        if (!TEMPLATE_NAME.matcher(name).matches()) {
          throw invalid("template.name must be lowercase letters, digits and _");
        }
        String language = language(t);
        Object components = t.get("components");
        if (components != null && !(components instanceof RawArray)) {
          throw invalid("template.components must be an array");
        }
        for (String f : t.names()) {
          if (!TEMPLATE_FIELDS.contains(f)) {
            throw invalid("template." + f + " is not a known field");
          }
        }
        only(body, "template");
        return new MessageContent.Template(
            name, language, components == null ? null : ((RawArray) components).json());
      }
      case "media" -> {
        if (provider != Provider.WHATSAPP && provider != Provider.TWILIO) {
          throw invalid("type media is for WhatsApp and Twilio channels");
        }
        Fields m = object(body, "media");
        String kind = string(m, "kind", true, 16, "media.");
        if (!MessageContent.Media.KINDS.contains(kind)) {
          throw invalid("media.kind must be image, document, audio or video");
        }
        String link = string(m, "link", false, 2048, "media.");
        String id = string(m, "id", false, 128, "media.");
        if ((link == null) == (id == null)) {
          throw invalid("media needs exactly one of link and id");
        }
        if (link != null) {
          checkLink(link);
        }
        if (id != null && provider == Provider.TWILIO) {
          throw invalid("media.id is for WhatsApp; Twilio needs media.link");
        }
        String caption = string(m, "caption", false, 1024, "media.");
        String filename = string(m, "filename", false, 240, "media.");
        for (String f : m.names()) {
          if (!MEDIA_FIELDS.contains(f)) {
            throw invalid("media." + f + " is not a known field");
          }
        }
        only(body, "media");
        return new MessageContent.Media(kind, link, id, caption, filename);
      }
      default -> throw invalid("type must be text, template or media");
    }
  }

  /**
   * A template's language: a code ({@code "en_US"}), or Meta's own shape of it, {@code
   * {"code":"en_US"}} (with the {@code "policy":"deterministic"} of Meta's older API), so a body
   * written for Meta's API is taken as it is.
   */
  private static String language(Fields template) {
    String code;
    if (template.get("language") instanceof Fields meta) {
      for (String f : meta.names()) {
        if (!f.equals("code") && !f.equals("policy")) {
          throw invalid("template.language." + f + " is not a known field");
        }
      }
      String policy = string(meta, "policy", false, 16, "template.language.");
      if (policy != null && !policy.equals("deterministic")) {
        throw invalid("template.language.policy must be deterministic");
      }
      code = string(meta, "code", true, 16, "template.language.");
    } else {
      code = string(template, "language", true, 16, "template.");
    }
    if (!LANGUAGE.matcher(code).matches()) {
      throw invalid("template.language must be a language code such as en_US");
    }
    return code;
  }

  /** The content field present must be the one of its type. */
  private static void only(Fields body, String field) {
    for (String other : new String[] {"text", "template", "media"}) {
      if (!other.equals(field) && body.has(other)) {
        throw invalid(other + " does not go with type " + field);
      }
    }
  }

  private static void checkLink(String link) {
    try {
      URI uri = new URI(link);
      if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())
          || uri.getHost() == null) {
        throw invalid("media.link must be an http(s) URL");
      }
    } catch (java.net.URISyntaxException e) {
      throw invalid("media.link must be an http(s) URL");
    }
  }

  /** The longest text a provider takes in one message (SMS: 1,600 characters, else 4,096). */
  public static int maxTextLength(Provider provider) {
    return provider == Provider.TWILIO || provider == Provider.INFOBIP || provider == Provider.SMPP
        ? 1600
        : 4096;
  }

  /**
   * A campaign's message, validated as {@code POST /v1/messages} validates one: {@code message}
   * holds a message request's content fields ({@code type}, {@code text}, {@code template}, …)
   * whose strings may hold {@code {{variable}}} placeholders, rendered per audience row later.
   *
   * @return a message to a sample number, whose content, channel and provider the rows share
   * @throws GatewayException 422 naming the first invalid field
   */
  public QueuedMessage campaignPrototype(
      String tenantId, String channelId, String lane, JsonObject message) {
    for (String name : message.fieldNames()) {
      if (!Set.of("type", "text", "template").contains(name)) {
        throw invalid("message." + name + " is not a field a campaign message takes");
      }
    }
    Channel channel =
        directory
            .channel(channelId)
            .filter(c -> c.tenantId().equals(tenantId))
            .orElseThrow(() -> invalid("channel does not name one of your channels"));
    if (channel.provider() == Provider.TELEGRAM) {
      throw invalid("channel: campaigns go to phone numbers (WhatsApp, Twilio, Infobip channels)");
    }
    JsonObject body = message.copy().put("channel", channelId).put("to", SAMPLE_NUMBER);
    if (lane != null) {
      body.put("lane", lane);
    }
    return validate(tenantId, MessageJson.message(body.toBuffer()), Set.of());
  }

  /** A valid number the prototype of a campaign's message is addressed to. */
  private static final String SAMPLE_NUMBER = "+14155552671";

  /**
   * A phone number in E.164 ({@code +} and digits), validated and normalised with libphonenumber.
   *
   * @throws GatewayException 422 saying what is wrong with it
   */
  public static String e164(String raw) {
    try {
      return PhoneNumbers.e164(raw);
    } catch (PhoneNumbers.Refused e) {
      throw invalid("to " + e.getMessage());
    }
  }

  private static Fields object(Fields body, String name) {
    Object v = body.get(name);
    if (!(v instanceof Fields o)) {
      throw invalid(name + " must be an object");
    }
    return o;
  }

  private static String string(Fields body, String name, boolean required, int maxLength) {
    return string(body, name, required, maxLength, "");
  }

  private static String string(
      Fields body, String name, boolean required, int maxLength, String prefix) {
    Object v = body.get(name);
    if (v == null) {
      if (required) {
        throw invalid(prefix + name + " is required");
      }
      return null;
    }
    if (!(v instanceof String s)) {
      throw invalid(prefix + name + " must be a string");
    }
    if (s.length() > maxLength) {
      throw invalid(prefix + name + " must be at most " + maxLength + " characters");
    }
    if (s.indexOf('\u0000') >= 0) {
      // PostgreSQL text cannot hold NUL, and no provider takes one: refused in every field.
      throw invalid(prefix + name + " must not contain NUL characters");
    }
    return s;
  }

  static GatewayException invalid(String message) {
    return GatewayException.invalid("invalid", message);
  }
}
