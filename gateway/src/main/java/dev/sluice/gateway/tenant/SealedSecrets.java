package dev.sluice.gateway.tenant;

import dev.sluice.gateway.config.Secret;
import dev.sluice.gateway.privacy.CredentialCipher;
import dev.sluice.gateway.privacy.MasterSealed;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The stored form of secrets: one JSON object of strings per row, sealed with {@link
 * CredentialCipher} and bound to the row (the channel id, or {@code meta-app:<id>}).
 */
final class SealedSecrets {
  private SealedSecrets() {}

  /** The context a Meta app's secrets are bound to. */
  static String metaAppContext(String metaAppId) {
    return MasterSealed.META_APPS.context(metaAppId);
  }

  static byte[] seal(CredentialCipher cipher, String context, Map<String, Secret> secrets) {
    JsonObject json = new JsonObject();
    secrets.forEach((name, secret) -> json.put(name, secret.reveal()));
    byte[] plaintext = json.encode().getBytes(StandardCharsets.UTF_8);
    try {
      return cipher.encrypt(context, plaintext);
    } finally {
      Arrays.fill(plaintext, (byte) 0);
    }
  }

  /**
   * @throws IllegalArgumentException if the value does not authenticate for this context and key,
   *     or does not hold a JSON object of strings
   */
  static Map<String, Secret> open(CredentialCipher cipher, String context, byte[] sealed) {
    byte[] plaintext = cipher.decrypt(context, sealed);
    try {
      JsonObject json = new JsonObject(new String(plaintext, StandardCharsets.UTF_8));
      Map<String, Secret> secrets = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : json) {
        if (!(e.getValue() instanceof String value)) {
          throw new IllegalArgumentException("sealed secret '" + e.getKey() + "' is not a string");
        }
        secrets.put(e.getKey(), Secret.of(value));
      }
      return secrets;
    } catch (io.vertx.core.json.DecodeException e) {
      throw new IllegalArgumentException("sealed secrets are not a JSON object");
    } finally {
      Arrays.fill(plaintext, (byte) 0);
    }
  }
}
