package dev.sluice.gateway.tenant;

import java.util.Objects;

/**
 * A freshly issued API key, the only time it exists in clear: it is shown once to the operator and
 * only its SHA-256 hash is stored.
 *
 * @param apiKey {@code sk_live_} followed by 43 base64url characters (32 random bytes)
 * @param prefix the first 8 characters after {@code sk_live_}; names the key for display and
 *     revocation
 */
public record IssuedApiKey(String apiKey, String prefix) {
  public IssuedApiKey {
    Objects.requireNonNull(apiKey, "apiKey");
    Objects.requireNonNull(prefix, "prefix");
  }

  @Override
  public String toString() {
    return "IssuedApiKey[prefix=" + prefix + ", apiKey=***]";
  }
}
