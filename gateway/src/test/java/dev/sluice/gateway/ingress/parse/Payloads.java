package dev.sluice.gateway.ingress.parse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Fixture webhook bodies under {@code src/test/resources/payloads}. */
final class Payloads {

  private Payloads() {}

  /** The raw bytes of {@code payloads/<name>}. */
  static byte[] bytes(String name) {
    try (InputStream in = Payloads.class.getResourceAsStream("/payloads/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A form-encoded fixture decoded the way the Twilio signature verifier hands it over. */
  static Map<String, List<String>> form(String name) {
    return decodeForm(new String(bytes(name), StandardCharsets.UTF_8).trim());
  }

  static Map<String, List<String>> decodeForm(String body) {
    Map<String, List<String>> params = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      params
          .computeIfAbsent(URLDecoder.decode(name, StandardCharsets.UTF_8), k -> new ArrayList<>())
          .add(URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return params;
  }
}
