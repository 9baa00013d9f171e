package dev.sluice.gateway.ingress;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs webhooks the way the providers do, written from their documentation and independent of the
 * gateway's verifiers, and loads the fixture bodies under {@code src/test/resources/payloads}.
 */
public final class WebhookSigning {
  private WebhookSigning() {}

  /** The exact bytes of {@code payloads/<name>}, without a trailing newline. */
  static byte[] payload(String name) {
    try (InputStream in = WebhookSigning.class.getResourceAsStream("/payloads/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .strip()
          .getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code X-Twilio-Signature} of a form POST: Base64 HMAC-SHA1 (auth token) of the URL followed by
   * each parameter name and value, names sorted (twilio.com/docs/usage/webhooks/webhooks-security).
   * Only ASCII names, as Twilio sends.
   */
  public static String twilioForm(String authToken, String url, byte[] formBody) {
    Map<String, List<String>> params = new TreeMap<>();
    for (String pair : new String(formBody, StandardCharsets.UTF_8).split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name =
          URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value =
          eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      params.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
    }
    StringBuilder data = new StringBuilder(url);
    params.forEach(
        (name, values) -> values.stream().sorted().forEach(v -> data.append(name).append(v)));
    return base64(hmac("HmacSHA1", authToken.getBytes(StandardCharsets.UTF_8), data.toString()));
  }

  /** {@code X-Twilio-Signature} of a JSON POST: the URL alone (which carries bodySHA256). */
  static String twilioUrl(String authToken, String url) {
    return base64(hmac("HmacSHA1", authToken.getBytes(StandardCharsets.UTF_8), url));
  }

  static String sha256Hex(byte[] body) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One {@code v1,<base64>} entry of a Standard Webhooks {@code webhook-signature} header. */
  public static String standard(String secret, String id, long timestamp, byte[] body) {
    String encoded = secret.startsWith("whsec_") ? secret.substring(6) : secret;
    byte[] key = Base64.getDecoder().decode(encoded);
    byte[] prefix = (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
    byte[] signed = new byte[prefix.length + body.length];
    System.arraycopy(prefix, 0, signed, 0, prefix.length);
    System.arraycopy(body, 0, signed, prefix.length, body.length);
    return "v1," + base64(hmac("HmacSHA256", key, signed));
  }

  private static byte[] hmac(String algorithm, byte[] key, String data) {
    return hmac(algorithm, key, data.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] hmac(String algorithm, byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance(algorithm);
      mac.init(new SecretKeySpec(key, algorithm));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String base64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }
}
