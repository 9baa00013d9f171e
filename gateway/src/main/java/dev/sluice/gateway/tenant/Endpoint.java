package dev.sluice.gateway.tenant;

import dev.sluice.gateway.config.Secret;
import dev.sluice.gateway.privacy.MasterSealed;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Where a tenant in push mode receives its events.
 *
 * @param url https (or http where the operator allows it) URL the batches are POSTed to
 * @param batchSize most events per delivery request, 1..100
 * @param secret the Standard Webhooks signing secret ({@code whsec_…})
 * @param previous the secret it replaced, while {@code previousValidUntil} is in the future; else
 *     empty
 * @param previousValidUntil end of the rotated-out secret's grace period, or {@code null}
 */
public record Endpoint(
    String tenantId,
    URI url,
    int batchSize,
    Secret secret,
    Secret previous,
    Instant previousValidUntil) {
  public Endpoint {
    Objects.requireNonNull(tenantId, "tenantId");
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(secret, "secret");
    previous = previous == null ? Secret.empty() : previous;
  }

  /** The secrets a delivery is signed with at {@code now}: the current one, then the previous. */
  public List<Secret> signingSecrets(Instant now) {
    if (!previous.isEmpty() && previousValidUntil != null && now.isBefore(previousValidUntil)) {
      return List.of(secret, previous);
    }
    return List.of(secret);
  }

  /** The context the endpoint's sealed secrets are bound to. */
  static String sealContext(String tenantId) {
    return MasterSealed.ENDPOINTS.context(tenantId);
  }
}
