package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.FakeProvider;
import dev.sluice.gateway.testing.FreePorts;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway that starts, works and stops cleanly says so with silence: no WARN or ERROR line from
 * its first to its last, in a JVM of its own with the production logging configuration (a
 * Micrometer warning is written once per JVM, so only a fresh one shows it), with a message sent
 * through it to a fake WhatsApp meanwhile, so the dispatcher and the ledger writer have worked and
 * are reading when it stops. And it reports the version it was built as.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CleanLifecycleIT {
  private static final String DB = TestBackends.uniqueId("sluice_clean").replace('-', '_');
  private static final String TOKEN = "test-admin-token-0123456789";
  private static final Pattern LEVEL = Pattern.compile("^\\S+ (WARN|ERROR) ", Pattern.MULTILINE);

  @TempDir static Path dir;

  @AfterAll
  static void dropDatabase() throws Exception {
    TestGateways.dropDatabase(DB);
  }

  @Test
  void aCleanStartWorkAndStopLogNoWarningAndTheBuildInfoCarriesTheVersion() throws Exception {
    TestBackends.requireRedis();
    TestBackends.requirePostgres();
    FakeProvider whatsApp = FakeProvider.whatsApp();
    Vertx vertx = Vertx.vertx();
    GatewayProcess gateway = null;
    try {
      int port = FreePorts.find();
      Map<String, String> settings = new HashMap<>(TestGateways.settings(port, DB));
      settings.put("whatsapp.baseUrl", whatsApp.baseUrl());
      settings.put("providers.allowHttp", "true");
      // A deployment's own master key: without one the gateway warns, rightly.
      byte[] key = new byte[32];
      new SecureRandom().nextBytes(key);
      settings.put("security.masterKey", Base64.getEncoder().encodeToString(key));
      gateway = GatewayProcess.start("clean", settings, dir);
      gateway.awaitReady(Duration.ofSeconds(60));
      WebClient client =
          WebClient.create(
              vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));

      String metrics = client.get("/metrics").send().await().bodyAsString();
      Matcher build =
          Pattern.compile("sluice_build_info\\{version=\"([^\"]+)\"\\} 1").matcher(metrics);
      assertThat(build.find()).as("sluice_build_info in /metrics").isTrue();
      assertThat(build.group(1)).matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");

      sendOneMessage(client);
      gateway.close(); // SIGTERM: the orderly stop
      assertThat(gateway.isAlive()).isFalse();
      String log = gateway.logTail(100_000);
      assertThat(log).contains("stopped");
      List<String> warnings = log.lines().filter(line -> LEVEL.matcher(line).find()).toList();
      assertThat(warnings).as(log).isEmpty();
    } finally {
      if (gateway != null) {
        gateway.close();
      }
      vertx.close().await();
      whatsApp.close();
    }
  }

  /** A tenant with a WhatsApp channel and one message, once the provider took it. */
  private static void sendOneMessage(WebClient client) {
    admin(
        client,
        "/admin/meta-apps",
        new JsonObject()
            .put("id", "clean-app")
            .put("appSecret", "clean-app-secret")
            .put("verifyToken", "clean-verify"));
    String apiKey =
        admin(client, "/admin/tenants", new JsonObject().put("id", "clean").put("name", "Clean"))
            .getString("apiKey");
    admin(
        client,
        "/admin/tenants/clean/channels",
        new JsonObject()
            .put("id", "clean-wa")
            .put("provider", "whatsapp")
            .put("address", "5550100")
            .put("metaApp", "clean-app")
            .put("credentials", new JsonObject().put("accessToken", "EAAG-clean")));
    HttpResponse<Buffer> sent =
        client
            .post("/v1/messages")
            .putHeader("Authorization", "Bearer " + apiKey)
            .sendJsonObject(
                new JsonObject()
                    .put("channel", "clean-wa")
                    .put("to", "+4915112345678")
                    .put("type", "text")
                    .put("text", "hello"))
            .await();
    assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(202);
    String id = sent.bodyAsJsonObject().getString("id");
    Await.until(
        "the message to be sent and its history written",
        Duration.ofSeconds(30),
        () -> {
          HttpResponse<Buffer> r =
              client
                  .get("/v1/messages/" + id)
                  .putHeader("Authorization", "Bearer " + apiKey)
                  .send()
                  .await();
          return r.statusCode() == 200 && "sent".equals(r.bodyAsJsonObject().getString("status"));
        });
  }

  private static JsonObject admin(WebClient client, String path, JsonObject body) {
    HttpResponse<Buffer> r =
        client
            .post(path)
            .putHeader("Authorization", "Bearer " + TOKEN)
            .sendJsonObject(body)
            .await();
    assertThat(r.statusCode()).as(path + " → " + r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject();
  }
}
