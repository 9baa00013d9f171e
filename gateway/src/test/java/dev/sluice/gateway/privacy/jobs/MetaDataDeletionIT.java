package dev.sluice.gateway.privacy.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Meta's data-deletion callback: a {@code signed_request} not signed with the app's secret, or not
 * HMAC-SHA256, is refused and starts nothing; a valid one starts an erasure of the app-scoped user
 * in every tenant with a channel on that app (and no other), and its confirmation URL shows them
 * complete without any other authentication.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MetaDataDeletionIT {
  private static final String OTHER_APP_SECRET = "another-meta-app-secret";

  private static PrivacyHarness ph;
  private static String otherApp;

  @BeforeAll
  static void start() {
    ph = new PrivacyHarness(Map.of());
    otherApp = TestBackends.uniqueId("app2");
    ph.h.metaApp(otherApp, OTHER_APP_SECRET, "verify");
  }

  @AfterAll
  static void stop() throws Exception {
    if (ph != null) {
      ph.close();
    }
  }

  /** A tenant with a Messenger page on {@code app}; the page id. */
  private static String page(Tenant t, String app) {
    String pageId = "10" + Math.abs(System.nanoTime() % 1_000_000_000_000L);
    ph.h.channel(
        t.id(),
        new JsonObject()
            .put("id", TestBackends.uniqueId("fb"))
            .put("provider", "messenger")
            .put("address", pageId)
            .put("metaApp", app)
            .put("credentials", new JsonObject().put("accessToken", "EAAG")));
    return pageId;
  }

  /** A Messenger message from {@code sender} to the page. */
  private static void message(
      String app, String secret, String pageId, String sender, String text) {
    String body =
        new JsonObject()
            .put("object", "page")
            .put(
                "entry",
                List.of(
                    new JsonObject()
                        .put("id", pageId)
                        .put("time", System.currentTimeMillis())
                        .put(
                            "messaging",
                            List.of(
                                new JsonObject()
                                    .put("sender", new JsonObject().put("id", sender))
                                    .put("recipient", new JsonObject().put("id", pageId))
                                    .put("timestamp", System.currentTimeMillis())
                                    .put(
                                        "message",
                                        new JsonObject()
                                            .put("mid", "m_" + TestBackends.uniqueId("m"))
                                            .put("text", text))))))
            .encode();
    assertThat(ph.h.postMeta(app, secret, body).statusCode()).isEqualTo(200);
  }

  /** Meta's format: base64url(HMAC-SHA256(secret, encoded payload)) "." encoded payload. */
  private static String signedRequest(String secret, JsonObject payload) throws Exception {
    Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
    String encoded = url.encodeToString(payload.encode().getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return url.encodeToString(mac.doFinal(encoded.getBytes(StandardCharsets.US_ASCII)))
        + "."
        + encoded;
  }

  private static JsonObject payload(String userId) {
    return new JsonObject()
        .put("algorithm", "HMAC-SHA256")
        .put("expires", System.currentTimeMillis() / 1000 + 3600)
        .put("issued_at", System.currentTimeMillis() / 1000)
        .put("user_id", userId);
  }

  private static HttpResponse<Buffer> callback(String app, String signedRequest) {
    MultiMap form = MultiMap.caseInsensitiveMultiMap();
    if (signedRequest != null) {
      form.add("signed_request", signedRequest);
    }
    return ph.h.client.post("/webhooks/meta/" + app + "/data-deletion").sendForm(form).await();
  }

  private static long jobs() throws Exception {
    return ((Number) ph.sql("SELECT count(*) FROM privacy_jobs")).longValue();
  }

  @Test
  void aForgedOrMalformedSignedRequestIsRefusedAndStartsNothing() throws Exception {
    String user = "7" + Math.abs(System.nanoTime() % 1_000_000_000L);
    long before = jobs();
    for (String bad :
        new String[] {
          signedRequest("not-the-app-secret", payload(user)),
          signedRequest(OTHER_APP_SECRET, payload(user)),
          signedRequest(PrivacyHarness.APP_SECRET, payload(user).put("algorithm", "HMAC-SHA1")),
          signedRequest(PrivacyHarness.APP_SECRET, payload(user).put("algorithm", null)),
          signedRequest(
              PrivacyHarness.APP_SECRET, new JsonObject().put("algorithm", "HMAC-SHA256")),
          "no-dot-here",
          "",
          null
        }) {
      HttpResponse<Buffer> r = callback(ph.app, bad);

      assertThat(r.statusCode()).as(bad).isEqualTo(400);
      assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code"))
          .isEqualTo("invalid_signed_request");
    }
    HttpResponse<Buffer> unknown =
        callback("no-such-app", signedRequest(PrivacyHarness.APP_SECRET, payload(user)));
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(jobs()).isEqualTo(before);
    assertThat(
            ph.h.client.get("/privacy/deletions/nothing-like-a-code").send().await().statusCode())
        .isEqualTo(404);
  }

  @Test
  void aValidCallbackErasesTheUserInEveryTenantOnTheAppAndItsUrlShowsTheErasureComplete()
      throws Exception {
    String user = "9" + Math.abs(System.nanoTime() % 1_000_000_000L);
    String token = TestBackends.uniqueId("u").substring(2);
    Tenant a = ph.h.tenant("meta-a");
    Tenant b = ph.h.tenant("meta-b");
    Tenant c = ph.h.tenant("meta-c");
    String pageA = page(a, ph.app);
    String pageB = page(b, ph.app);
    String pageC = page(c, otherApp);
    message(ph.app, PrivacyHarness.APP_SECRET, pageA, user, "to A " + token);
    message(ph.app, PrivacyHarness.APP_SECRET, pageA, "555" + user, "someone else to A " + token);
    message(ph.app, PrivacyHarness.APP_SECRET, pageB, user, "to B " + token);
    message(otherApp, OTHER_APP_SECRET, pageC, user, "to C " + token);

    HttpResponse<Buffer> r =
        callback(ph.app, signedRequest(PrivacyHarness.APP_SECRET, payload(user)));

    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    String code = r.bodyAsJsonObject().getString("confirmation_code");
    String url = r.bodyAsJsonObject().getString("url");
    assertThat(Base64.getUrlDecoder().decode(code)).hasSizeGreaterThanOrEqualTo(16);
    assertThat(url).endsWith("/privacy/deletions/" + code);
    assertThat(URI.create(url).isAbsolute()).isTrue();
    assertThat(
            ph.sql(
                "SELECT string_agg(tenant_id || ':' || requested_by, ',' ORDER BY tenant_id)"
                    + " FROM privacy_jobs WHERE confirmation_code = '"
                    + code
                    + "'"))
        .isEqualTo(a.id() + ":meta," + b.id() + ":meta");

    JsonObject[] shown = new JsonObject[1];
    Await.until(
        "the deletion request to be completed",
        PrivacyHarness.WAIT,
        () -> {
          HttpResponse<Buffer> s = ph.h.client.get(URI.create(url).getPath()).send().await();
          assertThat(s.statusCode()).as(s.bodyAsString()).isEqualTo(200);
          shown[0] = s.bodyAsJsonObject();
          return "completed".equals(shown[0].getString("status"));
        });
    assertThat(shown[0].getString("confirmation_code")).isEqualTo(code);
    assertThat(shown[0].getString("completedAt")).isNotNull();
    assertThat(shown[0].fieldNames())
        .containsExactlyInAnyOrder("confirmation_code", "status", "requestedAt", "completedAt");
    assertThat(shown[0].encode()).doesNotContain(a.id(), b.id(), user);

    assertThat(ph.drain(a)).containsExactly("someone else to A " + token);
    assertThat(ph.drain(b)).isEmpty();
    assertThat(ph.drain(c)).containsExactly("to C " + token); // another app's tenant
  }
}
