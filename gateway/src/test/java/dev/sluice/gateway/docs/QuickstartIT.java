package dev.sluice.gateway.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.Gateway;
import dev.sluice.gateway.TestGateways;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.FakeProvider;
import dev.sluice.gateway.testing.FreePorts;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs docs/quickstart.md: every {@code ```sh} block (not those marked {@code no-run}), in order,
 * as one bash script against a running gateway, with its WhatsApp channel sending to a fake Graph
 * API and its push endpoint a local receiver. The page cannot go stale without this failing.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QuickstartIT {
  private static final String ADMIN_TOKEN = "quickstart-admin-token-0123456789";
  private static final Pattern SH_BLOCK =
      Pattern.compile("^```sh([^\\n]*)\\n(.*?)^```", Pattern.MULTILINE | Pattern.DOTALL);

  private static FakeProvider graph;
  private static Gateway gateway;
  private static Vertx vertx;
  private static HttpServer receiver;
  private static final List<String> pushed = new CopyOnWriteArrayList<>();
  private static int port;
  private static String database;

  @BeforeAll
  static void start() {
    graph = FakeProvider.whatsApp();
    database = dev.sluice.gateway.testing.TestBackends.uniqueId("sluice_qs").replace('-', '_');
    port = FreePorts.find();
    Map<String, String> settings = TestGateways.settings(port, database);
    settings.put("admin.token", ADMIN_TOKEN);
    settings.put("whatsapp.baseUrl", graph.baseUrl());
    settings.put("providers.allowHttp", "true");
    settings.put("delivery.allowHttp", "true");
    settings.put("delivery.allowPrivate", "true");
    gateway = Gateway.start(TestGateways.config(settings));
    vertx = Vertx.vertx();
    receiver =
        vertx
            .createHttpServer()
            .requestHandler(
                req ->
                    req.body()
                        .onSuccess(
                            body -> {
                              if (req.getHeader("webhook-signature") != null) {
                                pushed.add(body.toString());
                              }
                              req.response().setStatusCode(204).end();
                            }))
            .listen(0, "127.0.0.1")
            .await();
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.close().await();
    }
    if (vertx != null) {
      vertx.close().await();
    }
    if (graph != null) {
      graph.close();
    }
    TestGateways.dropDatabase(database);
  }

  @Test
  void everyCommandOfTheQuickstartWorksInOrder() throws Exception {
    Path page = Path.of("..", "docs", "quickstart.md");
    List<String> blocks = runnableBlocks(Files.readString(page, StandardCharsets.UTF_8));
    assertThat(blocks).as("the quickstart's commands").hasSizeGreaterThanOrEqualTo(6);
    String script = "set -euo pipefail\n" + String.join("\n", blocks);

    ProcessBuilder bash = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true);
    bash.environment().put("GW", "http://127.0.0.1:" + port);
    bash.environment().put("ADMIN_TOKEN", ADMIN_TOKEN);
    bash.environment()
        .put("ENDPOINT_URL", "http://127.0.0.1:" + receiver.actualPort() + "/sluice-events");
    Process run = bash.start();
    String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(run.waitFor(90, TimeUnit.SECONDS)).isTrue();

    assertThat(run.exitValue()).as(output).isZero();
    assertThat(output)
        .as(output)
        .contains("\"kind\":\"message\"")
        .contains("Hi, is my order on its way?")
        .containsPattern("status: (sent|delivered|read)")
        .contains("signing secret: whsec_");
    // The message went to the (fake) Graph API, and the tenant's events reach its endpoint.
    // The reply went to the event's from, as it was.
    assertThat(output)
        .contains("{\"kind\":\"message\",\"from\":\"+4915112345678\",\"profileName\":\"Ana\"");
    assertThat(graph.calls())
        .anyMatch(
            c ->
                "Yes, it shipped today.".equals(c.text())
                    && "4915112345678".equals(c.json().getString("to")));
    Await.until("an event pushed to the endpoint", Duration.ofSeconds(30), () -> !pushed.isEmpty());
  }

  /** The bodies of the page's {@code ```sh} blocks not marked {@code no-run}, in order. */
  static List<String> runnableBlocks(String markdown) throws IOException {
    List<String> out = new ArrayList<>();
    Matcher m = SH_BLOCK.matcher(markdown);
    while (m.find()) {
      if (!m.group(1).contains("no-run")) {
        out.add(m.group(2));
      }
    }
    return out;
  }
}
