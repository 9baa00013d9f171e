package dev.sluice.loadtest;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The provider signatures the kit produces: Meta's {@code X-Hub-Signature-256} (provider-facts
 * §1.2) and Twilio's {@code X-Twilio-Signature} (§4.1). Stateless; each call builds its own {@link
 * Mac}, so hot loops should hold a {@link MetaSigner} instead.
 */
public final class Signatures {
  private static final HexFormat HEX = HexFormat.of();

  private Signatures() {}

  /** {@code sha256=} + lowercase hex HMAC-SHA256(app secret, raw body). */
  public static String meta(String appSecret, byte[] body) {
    return new MetaSigner(appSecret).sign(body);
  }

  /**
   * Base64 HMAC-SHA1(auth token, URL + every parameter name and value, sorted by name in byte
   * order).
   */
  public static String twilio(String authToken, String url, Map<String, String> params) {
    StringBuilder data = new StringBuilder(url);
    new TreeMap<>(params).forEach((k, v) -> data.append(k).append(v));
    Mac mac = mac("HmacSHA1", authToken);
    return Base64.getEncoder()
        .encodeToString(mac.doFinal(data.toString().getBytes(StandardCharsets.UTF_8)));
  }

  static Mac mac(String algorithm, String key) {
    try {
      Mac m = Mac.getInstance(algorithm);
      m.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), algorithm));
      return m;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(algorithm + " unavailable", e);
    }
  }

  /** A reusable Meta signer; not thread-safe (one per event loop). */
  public static final class MetaSigner {
    private final Mac mac;

    public MetaSigner(String appSecret) {
      this.mac = mac("HmacSHA256", appSecret);
    }

    public String sign(byte[] body) {
      return "sha256=" + HEX.formatHex(mac.doFinal(body));
    }
  }
}
