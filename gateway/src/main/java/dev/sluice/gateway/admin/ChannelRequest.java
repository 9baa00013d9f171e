package dev.sluice.gateway.admin;

import static dev.sluice.gateway.http.JsonBody.invalid;

import dev.sluice.gateway.config.Secret;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.core.signing.IpAllowList;
import dev.sluice.gateway.core.signing.StandardWebhookVerifier;
import dev.sluice.gateway.http.JsonBody;
import dev.sluice.gateway.tenant.Channel;
import dev.sluice.gateway.tenant.InboundLimits;
import dev.sluice.gateway.tenant.OutboundLimits;
import dev.sluice.gateway.tenant.SmppAccount;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads and validates the body of {@code POST /admin/tenants/{tenant}/channels} into a {@link
 * Channel}. What each provider needs is declared once, in {@link #RULES}; credential names outside
 * a provider's list are refused, so a misspelt name fails loudly instead of being stored unused.
 */
final class ChannelRequest {
  static final Pattern ID = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$");

  /** Telegram's rule for secret_token (Bot API, setWebhook). */
  private static final Pattern TELEGRAM_SECRET = Pattern.compile("^[A-Za-z0-9_-]{1,256}$");

  /** Printable ASCII without spaces: phone numbers, numeric Meta ids, sender ids. */
  private static final Pattern ADDRESS = Pattern.compile("^[!-~]{1,128}$");

  /** A Meta id: WhatsApp's phone number ID is digits. */
  private static final Pattern DIGITS = Pattern.compile("^[0-9]{1,64}$");

  /** What {@code PATCH} may change; the id and the provider stay. */
  private static final Set<String> PATCHABLE =
      Set.of("address", "metaApp", "credentials", "publicUrl", "allowedIps", "limits", "smpp");

  private static final int MAX_CREDENTIAL_LENGTH = 4096;
  private static final int MAX_URL_LENGTH = 2048;
  private static final int MAX_ALLOWED_IPS = 256;
  private static final int MAX_LIMIT = 1_000_000;
  private static final Set<String> FIELDS =
      Set.of(
          "id",
          "provider",
          "address",
          "metaApp",
          "credentials",
          "publicUrl",
          "allowedIps",
          "limits",
          "smpp");

  private enum Need {
    REQUIRED,
    OPTIONAL,
    NONE
  }

  private record Rules(
      Need address, Need metaApp, Need publicUrl, Need allowedIps, List<String> credentials) {}

  private static final Map<Provider, Rules> RULES = new EnumMap<>(Provider.class);

  static {
    Rules meta =
        new Rules(Need.REQUIRED, Need.REQUIRED, Need.NONE, Need.NONE, List.of("accessToken"));
    RULES.put(Provider.WHATSAPP, meta);
    RULES.put(Provider.MESSENGER, meta);
    RULES.put(Provider.INSTAGRAM, meta);
    RULES.put(
        Provider.TELEGRAM,
        new Rules(
            Need.OPTIONAL, Need.NONE, Need.NONE, Need.NONE, List.of("botToken", "secretToken")));
    RULES.put(
        Provider.TWILIO,
        new Rules(
            Need.REQUIRED,
            Need.NONE,
            Need.REQUIRED,
            Need.NONE,
            List.of("accountSid", "authToken")));
    RULES.put(
        Provider.INFOBIP,
        new Rules(
            Need.REQUIRED,
            Need.NONE,
            Need.NONE,
            Need.OPTIONAL,
            List.of("apiKey", "baseUrl", "webhookSecret")));
    RULES.put(
        Provider.SMPP,
        new Rules(Need.NONE, Need.NONE, Need.NONE, Need.NONE, List.of("systemId", "password")));
    RULES.put(
        Provider.STANDARD,
        new Rules(Need.OPTIONAL, Need.NONE, Need.NONE, Need.NONE, List.of("secret")));
  }

  private ChannelRequest() {}

  /**
   * The channel the body describes, for this tenant.
   *
   * @throws dev.sluice.gateway.core.GatewayException 400 for wrong types, 422 naming the first
   *     invalid field
   */
  static Channel parse(String tenantId, JsonBody body, Set<String> baseUrlSchemes) {
    // Types first (400), then meaning (422).
    String id = body.string("id");
    String providerName = body.string("provider");
    String address = body.string("address");
    String metaApp = body.string("metaApp");
    String publicUrl = body.string("publicUrl");
    List<String> allowedIps = body.strings("allowedIps");
    JsonBody credentialsJson = body.objectOrEmpty("credentials");
    Map<String, String> credentials = new LinkedHashMap<>();
    for (String name : credentialsJson.names()) {
      credentials.put(name, credentialsJson.string(name));
    }
    JsonBody limits = body.object("limits");
    JsonBody inbound = limits == null ? null : limits.object("inbound");
    JsonBody outbound = limits == null ? null : limits.object("outbound");
    JsonBody smppJson = body.object("smpp");

    body.allowOnly(FIELDS);
    if (id == null || id.isEmpty()) {
      throw invalid("id is required");
    }
    if (!ID.matcher(id).matches()) {
      throw invalid("id must match " + ID.pattern());
    }
    if (providerName == null || providerName.isEmpty()) {
      throw invalid("provider is required");
    }
    Provider provider =
        Provider.fromWireName(providerName)
            .orElseThrow(
                () ->
                    invalid(
                        "provider must be one of "
                            + Arrays.stream(Provider.values())
                                .map(Provider::wireName)
                                .collect(Collectors.joining(", "))));
    Rules rules = RULES.get(provider);
    String p = provider.wireName();

    check("address", address, rules.address(), p);
    if (address != null && !ADDRESS.matcher(address).matches()) {
      throw invalid("address must be 1 to 128 printable characters without spaces");
    }
    if (provider == Provider.WHATSAPP && !DIGITS.matcher(address).matches()) {
      throw invalid(
          "address of a whatsapp channel is its phone number ID (digits only, such as"
              + " 106540352242922), not the phone number: Meta's App Dashboard shows it under"
              + " WhatsApp > API Setup, and GET /{WABA id}/phone_numbers lists it as \"id\"");
    }
    check("metaApp", metaApp, rules.metaApp(), p);
    check("publicUrl", publicUrl, rules.publicUrl(), p);
    if (publicUrl != null) {
      checkUrl("publicUrl", publicUrl, Set.of("http", "https"));
    }
    check("allowedIps", allowedIps, rules.allowedIps(), p);
    IpAllowList ipAllowList = allowedIps(allowedIps);

    for (String name : credentials.keySet()) {
      if (!rules.credentials().contains(name)) {
        throw invalid(
            "credentials."
                + name
                + " is not a credential of "
                + p
                + " (expected "
                + String.join(", ", rules.credentials())
                + ")");
      }
    }
    Map<String, Secret> secrets = new LinkedHashMap<>();
    for (String name : rules.credentials()) {
      String value = credentials.get(name);
      if (value == null || value.isEmpty()) {
        throw invalid("credentials." + name + " is required for " + p);
      }
      if (value.length() > MAX_CREDENTIAL_LENGTH) {
        throw invalid(
            "credentials." + name + " must be at most " + MAX_CREDENTIAL_LENGTH + " characters");
      }
      secrets.put(name, Secret.of(value));
    }
    checkProviderFormats(provider, credentials, baseUrlSchemes);
    SmppAccount smpp = null;
    if (provider == Provider.SMPP) {
      if (smppJson == null) {
        throw invalid("smpp is required for smpp");
      }
      smpp = SmppRequest.parse(smppJson);
    } else if (smppJson != null) {
      throw invalid("smpp does not apply to " + p + " channels");
    }

    InboundLimits inboundLimits = null;
    if (limits != null) {
      limits.allowOnly(Set.of("inbound", "outbound"));
    }
    OutboundLimits outboundLimits = null;
    if (outbound != null) {
      outbound.allowOnly(Set.of("perSecond", "burst", "perRecipientPerMinute", "recipientBurst"));
      outboundLimits =
          new OutboundLimits(
              outbound.optionalInt("perSecond", 1, MAX_LIMIT),
              outbound.optionalInt("burst", 0, MAX_LIMIT),
              outbound.optionalInt("perRecipientPerMinute", 1, MAX_LIMIT),
              outbound.optionalInt("recipientBurst", 0, MAX_LIMIT));
    }
    if (inbound != null) {
      inbound.allowOnly(Set.of("perPhonePerMinute", "burst"));
      inboundLimits =
          new InboundLimits(
              inbound.requiredInt("perPhonePerMinute", 1, MAX_LIMIT),
              inbound.requiredInt("burst", 0, MAX_LIMIT));
    }
    return new Channel(
        id,
        tenantId,
        provider,
        address,
        metaApp,
        publicUrl,
        secrets,
        inboundLimits,
        ipAllowList,
        outboundLimits,
        smpp);
  }

  /**
   * The channel {@code current} becomes with the body of {@code PATCH
   * /admin/tenants/{tenant}/channels/{channel}} applied, checked as a new channel would be. Each
   * field given replaces the current one ({@code null} clears an optional field); {@code
   * credentials} replaces the credentials it names and keeps the others; {@code limits} replaces
   * the {@code inbound} and {@code outbound} limits it names. {@code id} and {@code provider} may
   * be repeated but not changed.
   *
   * @throws dev.sluice.gateway.core.GatewayException 400 for wrong types, 422 naming the first
   *     invalid field
   */
  static Channel patch(Channel current, JsonBody patch, Set<String> baseUrlSchemes) {
    JsonObject merged = createBody(current);
    for (String name : patch.names()) {
      Object value = patch.raw(name);
      switch (name) {
        case "id", "provider" -> {
          if (!merged.getValue(name).equals(value)) {
            throw invalid(
                name
                    + " cannot be changed: create a new channel and delete this one once its"
                    + " queued messages are sent");
          }
        }
        case "credentials", "limits" -> {
          JsonBody given = patch.object(name); // 400 unless an object
          JsonObject into = merged.getJsonObject(name, new JsonObject());
          if (given != null) {
            for (String key : given.names()) {
              into.put(key, given.raw(key));
            }
          }
          merged.put(name, into);
        }
        default -> {
          if (!PATCHABLE.contains(name)) {
            throw invalid(name + " is not a channel field that can be changed");
          }
          merged.put(name, value);
        }
      }
    }
    // A cleared optional credential or limit leaves no key behind (null is not a value to check).
    merged.getJsonObject("credentials").getMap().values().removeIf(v -> v == null);
    merged.getJsonObject("limits").getMap().values().removeIf(v -> v == null);
    if (merged.getJsonObject("limits").isEmpty()) {
      merged.remove("limits");
    }
    return parse(current.tenantId(), JsonBody.of(merged), baseUrlSchemes);
  }

  /** The body that would create {@code channel} as it is, credentials included. */
  private static JsonObject createBody(Channel channel) {
    JsonObject credentials = new JsonObject();
    channel.credentials().forEach((name, secret) -> credentials.put(name, secret.reveal()));
    JsonObject limits = new JsonObject();
    if (channel.inboundLimits() != null) {
      limits.put(
          "inbound",
          new JsonObject()
              .put("perPhonePerMinute", channel.inboundLimits().perPhonePerMinute())
              .put("burst", channel.inboundLimits().burst()));
    }
    OutboundLimits o = channel.outboundLimits();
    if (o != null) {
      JsonObject outbound = new JsonObject();
      putIfSet(outbound, "perSecond", o.perSecond());
      putIfSet(outbound, "burst", o.burst());
      putIfSet(outbound, "perRecipientPerMinute", o.perRecipientPerMinute());
      putIfSet(outbound, "recipientBurst", o.recipientBurst());
      limits.put("outbound", outbound);
    }
    JsonObject body =
        new JsonObject()
            .put("id", channel.id())
            .put("provider", channel.provider().wireName())
            .put("credentials", credentials)
            .put("limits", limits);
    putIfSet(body, "address", channel.address());
    putIfSet(body, "metaApp", channel.metaAppId());
    putIfSet(body, "publicUrl", channel.publicUrl());
    if (!channel.allowedIps().entries().isEmpty()) {
      body.put("allowedIps", new JsonArray(channel.allowedIps().entries()));
    }
    if (channel.smpp() != null) {
      body.put("smpp", channel.smpp().toJson());
    }
    return body;
  }

  private static void putIfSet(JsonObject o, String name, Object value) {
    if (value != null) {
      o.put(name, value);
    }
  }

  private static void checkProviderFormats(
      Provider provider, Map<String, String> credentials, Set<String> baseUrlSchemes) {
    switch (provider) {
      case TELEGRAM -> {
        if (!TELEGRAM_SECRET.matcher(credentials.get("secretToken")).matches()) {
          throw invalid(
              "credentials.secretToken must be 1 to 256 characters of A-Z, a-z, 0-9, _ -");
        }
      }
      case INFOBIP -> checkUrl("credentials.baseUrl", credentials.get("baseUrl"), baseUrlSchemes);
      case SMPP -> SmppRequest.checkCredentials(credentials);
      case STANDARD -> {
        if (!StandardWebhookVerifier.isValidSecret(credentials.get("secret"))) {
          throw invalid(
              "credentials.secret must be base64 of at least one byte, optionally prefixed with "
                  + StandardWebhookVerifier.SECRET_PREFIX);
        }
      }
      default -> {
        // No format beyond being a non-empty string.
      }
    }
  }

  private static void check(String field, Object value, Need need, String provider) {
    if (need == Need.REQUIRED && (value == null || "".equals(value))) {
      throw invalid(field + " is required for " + provider);
    }
    if (need == Need.NONE && value != null) {
      throw invalid(field + " does not apply to " + provider + " channels");
    }
  }

  private static IpAllowList allowedIps(List<String> entries) {
    if (entries == null) {
      return IpAllowList.parse(List.of());
    }
    if (entries.size() > MAX_ALLOWED_IPS) {
      throw invalid("allowedIps must have at most " + MAX_ALLOWED_IPS + " entries");
    }
    try {
      return IpAllowList.parse(entries);
    } catch (IllegalArgumentException e) {
      throw invalid("allowedIps: " + e.getMessage());
    }
  }

  private static void checkUrl(String field, String value, Set<String> schemes) {
    String expected =
        field
            + " must be an absolute "
            + String.join(" or ", schemes.stream().sorted().toList())
            + " URL";
    if (value.length() > MAX_URL_LENGTH) {
      throw invalid(field + " must be at most " + MAX_URL_LENGTH + " characters");
    }
    try {
      URI uri = new URI(value);
      if (uri.getScheme() == null
          || !schemes.contains(uri.getScheme())
          || uri.getHost() == null
          || uri.getRawFragment() != null) {
        throw invalid(expected);
      }
    } catch (URISyntaxException e) {
      throw invalid(expected);
    }
  }
}
