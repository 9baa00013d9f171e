package dev.sluice.gateway.connector;

import dev.sluice.gateway.config.Secret;
import dev.sluice.gateway.tenant.Channel;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Masks a channel's credentials in provider error texts. Providers echo requests in their errors
 * (Infobip quotes invalid fields, which can hold the notify URL with the webhook secret), so every
 * error message passes through here before it leaves a connector, in clear and URL-encoded form.
 */
final class Redaction {
  private static final String MASK = "***";

  private Redaction() {}

  static String mask(String text, Channel channel) {
    if (text == null) {
      return null;
    }
    String masked = text;
    for (String secret : forms(channel)) {
      masked = masked.replace(secret, MASK);
    }
    return masked.length() <= SendResult.MAX_MESSAGE
        ? masked
        : masked.substring(0, SendResult.MAX_MESSAGE);
  }

  private static List<String> forms(Channel channel) {
    List<String> forms = new ArrayList<>();
    for (Secret s : channel.credentials().values()) {
      String clear = s.reveal();
      if (!clear.isEmpty()) {
        forms.add(clear);
        String encoded = URLEncoder.encode(clear, StandardCharsets.UTF_8);
        if (!encoded.equals(clear)) {
          forms.add(encoded);
          forms.add(encoded.replace("+", "%20"));
        }
      }
    }
    // Longest first, so a secret that contains another is masked whole.
    forms.sort((a, b) -> Integer.compare(b.length(), a.length()));
    return forms;
  }
}
