package dev.sluice.gateway.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

/**
 * Replays every case of {@code src/test/resources/vectors/*.json} through the real webhook
 * endpoints: each case gets a channel (or Meta app) created through the operator API with the
 * case's secret, and its exact headers and body bytes are POSTed. A case expected valid must get
 * past signature checking (any status but 401, never a 5xx: a valid signature over a body that is
 * no provider payload is a legitimate 400); a case expected invalid must get a 401 JSON error and
 * leave the tenant's queue empty.
 *
 * <p>Every case can go through HTTP as-is: each Twilio URL (custom ports, user info, upper-case
 * host) is expressible as a channel {@code publicUrl} plus this request's query string, and the
 * operator API accepts every vector secret. The Standard Webhooks cases carry their own "now", so
 * the gateway's clock is pinned to it per case.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SignatureVectorsIT {
  private static final AtomicInteger ADDRESSES = new AtomicInteger();

  private static IngressHarness h;

  @BeforeAll
  static void start() {
    TestBackends.requireRedis();
    h = IngressHarness.start(Map.of("ingress.standardToleranceSeconds", "300"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  @AfterEach
  void followTheSystemClockAgain() {
    h.clock.reset();
  }

  @TestFactory
  Stream<DynamicTest> metaVectorsGetTheirVerdictAtTheWebhookEndpoint() {
    Tenant tenant = h.tenant("vec-meta");
    return replay(
        "meta.json",
        tenant,
        c -> {
          String app = TestBackends.uniqueId("vapp");
          h.metaApp(app, c.getString("secret"), "verify-" + app);
          // A WhatsApp payload routes by phone_number_id: give it a channel under this app, so a
          // wrongly accepted signature would show up as an event in the tenant's queue.
          String phoneNumberId = phoneNumberId(body(c));
          String channel = null;
          if (phoneNumberId != null) {
            channel = TestBackends.uniqueId("vwa");
            h.channel(
                tenant.id(),
                new JsonObject()
                    .put("id", channel)
                    .put("provider", "whatsapp")
                    .put("address", phoneNumberId)
                    .put("metaApp", app)
                    .put("credentials", new JsonObject().put("accessToken", "EAAG-vector")));
          }
          try {
            return h.post("/webhooks/meta/" + app, headers(c), body(c));
          } finally {
            if (channel != null) {
              // The address names one channel only; free it for the next case.
              h.admin(
                  HttpMethod.DELETE,
                  "/admin/tenants/" + tenant.id() + "/channels/" + channel,
                  null);
            }
          }
        });
  }

  @TestFactory
  Stream<DynamicTest> twilioVectorsGetTheirVerdictAtTheWebhookEndpoint() {
    Tenant tenant = h.tenant("vec-twilio");
    return replay(
        "twilio.json",
        tenant,
        c -> {
          // The handler signs publicUrl + "?" + this request's query, so the case's URL is split
          // at its query: everything before it (scheme, user info, host as cased, port, path)
          // becomes the channel's publicUrl, the query is sent on our own request.
          String full = c.getString("url");
          int q = full.indexOf('?');
          String publicUrl = q < 0 ? full : full.substring(0, q);
          String query = q < 0 ? null : full.substring(q + 1);
          String channel = TestBackends.uniqueId("vtw");
          h.channel(
              tenant.id(),
              new JsonObject()
                  .put("id", channel)
                  .put("provider", "twilio")
                  .put("address", "+1555" + String.format("%07d", ADDRESSES.incrementAndGet()))
                  .put("publicUrl", publicUrl)
                  .put(
                      "credentials",
                      new JsonObject()
                          .put("accountSid", "AC0123456789abcdef0123456789abcdef")
                          .put("authToken", c.getString("secret"))));
          String path = "/webhooks/twilio/" + channel + (query == null ? "" : "?" + query);
          return h.post(path, headers(c), body(c));
        });
  }

  @TestFactory
  Stream<DynamicTest> standardVectorsGetTheirVerdictAtTheWebhookEndpoint() {
    Tenant tenant = h.tenant("vec-std");
    return replay(
        "standard.json",
        tenant,
        c -> {
          assertThat(c.getLong("toleranceSeconds"))
              .as("the gateway runs with 300 s")
              .isEqualTo(300);
          String channel = TestBackends.uniqueId("vstd");
          h.channel(
              tenant.id(),
              new JsonObject()
                  .put("id", channel)
                  .put("provider", "standard")
                  .put("credentials", new JsonObject().put("secret", c.getString("secret"))));
          h.clock.set(Instant.ofEpochSecond(c.getLong("nowEpochSeconds")));
          return h.post("/webhooks/standard/" + channel, headers(c), body(c));
        });
  }

  @TestFactory
  Stream<DynamicTest> telegramVectorsGetTheirVerdictAtTheWebhookEndpoint() {
    Tenant tenant = h.tenant("vec-tg");
    return replay(
        "telegram.json",
        tenant,
        c -> {
          String channel = TestBackends.uniqueId("vtg");
          h.channel(
              tenant.id(),
              new JsonObject()
                  .put("id", channel)
                  .put("provider", "telegram")
                  .put(
                      "credentials",
                      new JsonObject()
                          .put("botToken", "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11")
                          .put("secretToken", c.getString("secret"))));
          return h.post("/webhooks/telegram/" + channel, headers(c), body(c));
        });
  }

  @TestFactory
  Stream<DynamicTest> infobipVectorsGetTheirVerdictAtTheWebhookEndpoint() {
    Tenant tenant = h.tenant("vec-ib");
    return replay(
        "infobip.json",
        tenant,
        c -> {
          String channel = TestBackends.uniqueId("vib");
          h.channel(
              tenant.id(),
              new JsonObject()
                  .put("id", channel)
                  .put("provider", "infobip")
                  .put("address", "InfoSMS" + ADDRESSES.incrementAndGet())
                  .put(
                      "credentials",
                      new JsonObject()
                          .put("apiKey", "ib-api-key")
                          .put("baseUrl", "https://api.infobip.example")
                          .put("webhookSecret", c.getString("secret"))));
          return h.post("/webhooks/infobip/" + channel, headers(c), body(c));
        });
  }

  /** One dynamic test per case of {@code file}; {@code send} sets the case up and posts it. */
  private static Stream<DynamicTest> replay(
      String file, Tenant tenant, Function<JsonObject, HttpResponse<Buffer>> send) {
    JsonArray cases = vectors(file);
    assertThat(cases).as(file).isNotEmpty();
    List<DynamicTest> tests = new ArrayList<>();
    for (int i = 0; i < cases.size(); i++) {
      JsonObject c = cases.getJsonObject(i);
      tests.add(
          DynamicTest.dynamicTest(
              c.getString("name"),
              () -> {
                HttpResponse<Buffer> r = send.apply(c);
                JsonArray queued = drainBothLanes(tenant);
                String as = c.getString("name") + " → " + r.statusCode() + " " + r.bodyAsString();
                if ("valid".equals(c.getString("expect"))) {
                  assertThat(r.statusCode()).as(as).isNotEqualTo(401).isLessThan(500);
                  if (r.statusCode() == 200 && isJson(r)) {
                    // What the gateway says it took is what the tenant can pull.
                    assertThat(queued.size())
                        .as(as)
                        .isEqualTo(r.bodyAsJsonObject().getInteger("events"));
                  }
                } else {
                  assertThat(c.getString("expect")).isEqualTo("invalid");
                  assertThat(r.statusCode()).as(as).isEqualTo(401);
                  assertThat(r.getHeader("Content-Type")).as(as).startsWith("application/json");
                  JsonObject error = r.bodyAsJsonObject().getJsonObject("error");
                  assertThat(error.getString("code")).as(as).isEqualTo("invalid_signature");
                  assertThat(error.getString("message")).as(as).isNotBlank();
                  assertThat(queued).as(as + ": queue after a refused webhook").isEmpty();
                }
              }));
    }
    return tests.stream();
  }

  private static JsonArray drainBothLanes(Tenant tenant) {
    JsonArray all = h.drain(tenant.apiKey(), "inbound");
    h.drain(tenant.apiKey(), "quarantine").forEach(all::add);
    return all;
  }

  private static boolean isJson(HttpResponse<Buffer> r) {
    String type = r.getHeader("Content-Type");
    return type != null && type.startsWith("application/json");
  }

  static JsonArray vectors(String file) {
    try (InputStream in = SignatureVectorsIT.class.getResourceAsStream("/vectors/" + file)) {
      assertThat(in).as("vector file " + file).isNotNull();
      return new JsonArray(Buffer.buffer(in.readAllBytes()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The case's headers, exactly as listed (an absent header is not sent). */
  static MultiMap headers(JsonObject c) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    JsonObject listed = c.getJsonObject("headers", new JsonObject());
    listed.forEach(e -> headers.add(e.getKey(), (String) e.getValue()));
    return headers;
  }

  /** The case's exact body bytes. */
  static byte[] body(JsonObject c) {
    if (c.containsKey("bodyBase64")) {
      return Base64.getDecoder().decode(c.getString("bodyBase64"));
    }
    return c.getString("body").getBytes(StandardCharsets.UTF_8);
  }

  /** The first {@code metadata.phone_number_id} of a WhatsApp payload, or null. */
  private static String phoneNumberId(byte[] body) {
    try {
      JsonObject json = new JsonObject(Buffer.buffer(body));
      return json.getJsonArray("entry")
          .getJsonObject(0)
          .getJsonArray("changes")
          .getJsonObject(0)
          .getJsonObject("value")
          .getJsonObject("metadata")
          .getString("phone_number_id");
    } catch (DecodeException | NullPointerException | ClassCastException e) {
      return null;
    }
  }
}
