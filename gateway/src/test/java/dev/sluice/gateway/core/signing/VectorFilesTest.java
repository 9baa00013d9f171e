package dev.sluice.gateway.core.signing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays {@code src/test/resources/vectors/*.json}, the files the HTTP-level tests also replay, so
 * that their bodies and headers are known to be exact. Each case names its origin in {@code
 * source}.
 */
class VectorFilesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TestFactory
  Stream<DynamicTest> metaVectors() {
    MetaSignatureVerifier verifier = new MetaSignatureVerifier();
    return replay(
        "meta.json",
        c -> verifier.verify(secretBytes(c), body(c), header(c, "X-Hub-Signature-256")));
  }

  @TestFactory
  Stream<DynamicTest> twilioVectors() {
    TwilioSignatureVerifier verifier = new TwilioSignatureVerifier();
    return replay(
        "twilio.json",
        c -> {
          String url = c.get("url").asText();
          String signature = header(c, "X-Twilio-Signature");
          if (header(c, "Content-Type").startsWith("application/json")) {
            return verifier.verifyJson(c.get("secret").asText(), url, body(c), signature);
          }
          Map<String, List<String>> decoded = TwilioSignatureVerifier.decodeForm(body(c));
          assertThat(decoded).as("body decodes to formParams").isEqualTo(formParams(c));
          return verifier.verifyForm(c.get("secret").asText(), url, decoded, signature);
        });
  }

  @TestFactory
  Stream<DynamicTest> standardVectors() {
    StandardWebhookVerifier verifier = new StandardWebhookVerifier();
    return replay(
        "standard.json",
        c -> {
          String prefix = header(c, "svix-id") != null ? "svix-" : "webhook-";
          return verifier.verify(
              c.get("secret").asText(),
              header(c, prefix + "id"),
              header(c, prefix + "timestamp"),
              header(c, prefix + "signature"),
              body(c),
              c.get("nowEpochSeconds").asLong(),
              c.get("toleranceSeconds").asLong());
        });
  }

  @TestFactory
  Stream<DynamicTest> telegramVectors() {
    TelegramSecretVerifier verifier = new TelegramSecretVerifier();
    return replay(
        "telegram.json",
        c ->
            verifier.verify(
                c.get("secret").asText(), header(c, "X-Telegram-Bot-Api-Secret-Token")));
  }

  @TestFactory
  Stream<DynamicTest> infobipVectors() {
    InfobipAuthVerifier verifier = new InfobipAuthVerifier();
    return replay(
        "infobip.json", c -> verifier.verify(c.get("secret").asText(), header(c, "Authorization")));
  }

  private static Stream<DynamicTest> replay(String file, Function<JsonNode, Verdict> check) {
    JsonNode cases = load(file);
    assertThat(cases.size()).as(file + " cases").isPositive();
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : cases) {
      String name = c.get("name").asText();
      tests.add(
          DynamicTest.dynamicTest(
              file + ": " + name,
              () -> {
                assertThat(c.get("source").asText()).as("source").isNotBlank();
                Verdict verdict = check.apply(c);
                String expect = c.get("expect").asText();
                assertThat(expect).isIn("valid", "invalid");
                assertThat(verdict.valid()).as(verdict.reason()).isEqualTo(expect.equals("valid"));
              }));
    }
    return tests.stream();
  }

  private static JsonNode load(String file) {
    try (InputStream in = VectorFilesTest.class.getResourceAsStream("/vectors/" + file)) {
      assertThat(in).as("/vectors/" + file).isNotNull();
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new AssertionError("cannot read /vectors/" + file, e);
    }
  }

  private static byte[] secretBytes(JsonNode c) {
    return c.get("secret").asText().getBytes(UTF_8);
  }

  private static byte[] body(JsonNode c) {
    if (c.has("bodyBase64")) {
      return Base64.getDecoder().decode(c.get("bodyBase64").asText());
    }
    return c.get("body").asText().getBytes(UTF_8);
  }

  /** A header by case-insensitive name, or null. */
  private static String header(JsonNode c, String name) {
    Iterator<Map.Entry<String, JsonNode>> fields = c.get("headers").fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (field.getKey().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
        return field.getValue().asText();
      }
    }
    return null;
  }

  private static Map<String, List<String>> formParams(JsonNode c) {
    Map<String, List<String>> params = new LinkedHashMap<>();
    c.get("formParams")
        .fields()
        .forEachRemaining(
            e -> {
              List<String> values = new ArrayList<>();
              e.getValue().forEach(v -> values.add(v.asText()));
              params.put(e.getKey(), values);
            });
    return params;
  }
}
