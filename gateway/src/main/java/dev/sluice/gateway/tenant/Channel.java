package dev.sluice.gateway.tenant;

import dev.sluice.gateway.config.Secret;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.core.signing.IpAllowList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One provider account of a tenant: where its webhooks come from and how to send through it.
 * Immutable; printing it shows {@code ***} for every credential.
 *
 * @param id unique across all tenants, {@code ^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$}
 * @param address WhatsApp phone_number_id, Messenger page id, Instagram account id, Twilio or
 *     Infobip sender; may be {@code null} for telegram and standard. A (provider, address) pair
 *     names at most one channel.
 * @param metaAppId the Meta app of a whatsapp, messenger or instagram channel, else {@code null}
 * @param publicUrl twilio: the exact webhook URL configured at Twilio (its signature covers it);
 *     else {@code null}
 * @param credentials decrypted credentials by name (see the operator API for the names per
 *     provider); empty where credentials were not loaded
 * @param inboundLimits {@code null} to use the gateway default
 * @param allowedIps infobip's optional source allow-list; allows all when built from an empty list
 * @param outboundLimits sending limits; {@code null} = the provider's defaults
 * @param smpp how an smpp channel reaches its SMSC; {@code null} for every other provider
 */
public record Channel(
    String id,
    String tenantId,
    Provider provider,
    String address,
    String metaAppId,
    String publicUrl,
    Map<String, Secret> credentials,
    InboundLimits inboundLimits,
    IpAllowList allowedIps,
    OutboundLimits outboundLimits,
    SmppAccount smpp) {

  private static final IpAllowList ALLOW_ALL = IpAllowList.parse(List.of());

  /** A channel of a provider other than smpp. */
  public Channel(
      String id,
      String tenantId,
      Provider provider,
      String address,
      String metaAppId,
      String publicUrl,
      Map<String, Secret> credentials,
      InboundLimits inboundLimits,
      IpAllowList allowedIps,
      OutboundLimits outboundLimits) {
    this(
        id,
        tenantId,
        provider,
        address,
        metaAppId,
        publicUrl,
        credentials,
        inboundLimits,
        allowedIps,
        outboundLimits,
        null);
  }

  public Channel {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(tenantId, "tenantId");
    Objects.requireNonNull(provider, "provider");
    credentials = credentials == null ? Map.of() : Map.copyOf(credentials);
    allowedIps = allowedIps == null ? ALLOW_ALL : allowedIps;
  }

  /** The named credential, or {@link Secret#empty()} if the channel has none of that name. */
  public Secret credential(String name) {
    return credentials.getOrDefault(name, Secret.empty());
  }

  /** This channel without its credentials, for views that must never carry them. */
  public Channel withoutCredentials() {
    return new Channel(
        id,
        tenantId,
        provider,
        address,
        metaAppId,
        publicUrl,
        Map.of(),
        inboundLimits,
        allowedIps,
        outboundLimits,
        smpp);
  }
}
