package dev.sluice.gateway.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.Gateway;
import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.ingress.IngressHarness.WhatsAppLine;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.FakeProvider;
import dev.sluice.gateway.testing.FakeProvider.Reply;
import dev.sluice.gateway.testing.HeadlessChromium;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * {@code GET /admin/status}: the JSON form (token, Accept, what it reports, every instance through
 * the heartbeats) over HTTP, and the HTML page in a real headless Chromium: it renders the tenants
 * and channels and shows a channel's breaker opening while the page stays loaded.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class StatusPageIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static FakeProvider fake;
  private static IngressHarness h;
  private static String app;
  private static String baseUrl;

  @BeforeAll
  static void start() {
    fake = FakeProvider.whatsApp();
    h =
        IngressHarness.start(
            Map.of(
                "whatsapp.baseUrl", fake.baseUrl(),
                "providers.requestTimeoutMs", "2000",
                "dispatch.claimMs", "3000",
                "dispatch.retryBaseMs", "100",
                "dispatch.retryMaxMs", "1000",
                // Once open, a breaker stays open for the rest of the class.
                "dispatch.breakerOpenMs", "600000",
                "dispatch.maxAttempts", "50",
                "providers.allowHttp", "true"));
    app = TestBackends.uniqueId("app");
    h.metaApp(app, "meta-app-secret-status", "verify");
    baseUrl = h.baseUrl();
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) {
      h.close();
    }
    if (fake != null) {
      fake.close();
    }
  }

  private static WhatsAppLine line(String name, int perSecond) {
    return h.whatsAppLine(name, app, new JsonObject().put("perSecond", perSecond));
  }

  private static void text(WhatsAppLine line, String to, String text) {
    HttpResponse<Buffer> r =
        h.client
            .post("/v1/messages")
            .putHeader("Authorization", "Bearer " + line.tenant().apiKey())
            .sendJsonObject(
                new JsonObject()
                    .put("channel", line.channel())
                    .put("to", to)
                    .put("type", "text")
                    .put("text", text))
            .await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(202);
  }

  private static HttpResponse<Buffer> get(String accept, boolean withToken) {
    HttpRequest<Buffer> req = h.client.get("/admin/status");
    if (accept != null) {
      req.putHeader("Accept", accept);
    }
    if (withToken) {
      req.putHeader("Authorization", "Bearer " + IngressHarness.ADMIN_TOKEN);
    }
    return req.send().await();
  }

  private static JsonObject status() {
    HttpResponse<Buffer> r = get("application/json", true);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    assertThat(r.getHeader("Content-Type")).startsWith("application/json");
    return r.bodyAsJsonObject();
  }

  private static Optional<JsonObject> find(JsonArray array, String id) {
    return array.stream()
        .map(JsonObject.class::cast)
        .filter(o -> id.equals(o.getString("id")))
        .findFirst();
  }

  /** Polls the JSON form until {@code condition} finds what it looks for. */
  private static <T> T awaitStatus(String what, java.util.function.Function<JsonObject, T> look) {
    AtomicReference<T> found = new AtomicReference<>();
    Await.until(
        what,
        WAIT,
        () -> {
          found.set(look.apply(status()));
          return found.get() != null;
        });
    return found.get();
  }

  private static void assertError(HttpResponse<Buffer> r, int status, String code) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    assertThat(r.getHeader("Content-Type")).startsWith("application/json");
    assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo(code);
  }

  @Test
  void theJsonFormNeedsTheAdminTokenAndAnAcceptableType() {
    assertError(get("application/json", false), 401, "unauthorized");
    // The token is checked first: without it, a bad Accept says nothing about the resource.
    assertError(get("application/xml", false), 401, "unauthorized");
    assertError(get("application/xml", true), 406, "not_acceptable");
    HttpResponse<Buffer> wrongToken =
        h.client
            .get("/admin/status")
            .putHeader("Accept", "application/json")
            .putHeader("Authorization", "Bearer not-the-admin-token")
            .send()
            .await();
    assertError(wrongToken, 401, "unauthorized");
    assertThat(status().getString("instance")).isNotBlank();
  }

  @Test
  void theHtmlPageIsServedWithoutTheTokenAndHoldsNoData() {
    WhatsAppLine line = line("shell", 9);
    HttpResponse<Buffer> page = get("text/html,application/xhtml+xml,*/*;q=0.8", false);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("Content-Type")).startsWith("text/html");
    assertThat(page.getHeader("Cache-Control")).isEqualTo("no-store");
    assertThat(page.getHeader("Content-Security-Policy"))
        .contains("default-src 'none'")
        .contains("connect-src 'self'");
    String html = page.bodyAsString();
    // HTML is the default form: a request with no Accept (or */*) gets the page too.
    assertThat(get(null, false).bodyAsString()).isEqualTo(html);
    assertThat(get("*/*", true).bodyAsString()).isEqualTo(html);
    assertThat(html).contains("<title>Sluice status</title>").doesNotContain("<link", "src=");
    assertThat(html).doesNotContain(line.tenant().id(), line.channel());
  }

  @Test
  void theJsonFormReportsTenantsChannelsPacingBacklogsRatesAndCampaigns() {
    WhatsAppLine line = line("report", 7);
    // The provider asks for a minute's wait: the message stays in the tenant's backlog.
    fake.script(
        line.phoneNumberId(),
        c -> Reply.error(429, 130429, "Rate limit hit", Map.of("Retry-After", "60")));
    text(line, "+4915112350001", "stuck for now");

    JsonObject tenant =
        awaitStatus(
            "the tenant's outbound backlog of 1",
            s ->
                find(s.getJsonArray("tenants"), line.tenant().id())
                    .filter(
                        t ->
                            t.getJsonObject("backlog") != null
                                && t.getJsonObject("backlog").getLong("outboundHigh") == 1)
                    .orElse(null));
    assertThat(tenant.getString("name")).isEqualTo(line.tenant().id());
    assertThat(tenant.getJsonArray("channels")).containsExactly(line.channel());
    assertThat(tenant.getJsonObject("backlog").getLong("inbound")).isZero();
    assertThat(tenant.getJsonObject("campaigns"))
        .isEqualTo(new JsonObject().put("scheduled", 0L).put("running", 0L).put("paused", 0L));

    JsonObject s = status();
    JsonObject channel = find(s.getJsonArray("channels"), line.channel()).orElseThrow();
    assertThat(channel.getString("tenant")).isEqualTo(line.tenant().id());
    assertThat(channel.getString("provider")).isEqualTo("whatsapp");
    assertThat(channel.getString("breaker")).isEqualTo("closed");
    assertThat(channel.getJsonArray("openOn")).isEmpty();
    // Its own per-second limit, and WhatsApp's defaults for the parts it left out.
    assertThat(channel.getJsonObject("pacing"))
        .isEqualTo(
            new JsonObject()
                .put("perSecond", 7)
                .put("burst", 20)
                .put("perRecipientPerMinute", 10)
                .put("recipientBurst", 5));

    // A campaign waiting for its start counts as scheduled until it is cancelled.
    HttpResponse<Buffer> created =
        h.client
            .post("/v1/campaigns")
            .putHeader("Authorization", "Bearer " + line.tenant().apiKey())
            .sendJsonObject(
                new JsonObject()
                    .put("name", "later")
                    .put("channel", line.channel())
                    .put("message", new JsonObject().put("text", "hi"))
                    .put("sendAt", Instant.now().plus(Duration.ofDays(1)).toString())
                    .put(
                        "audience",
                        new JsonArray().add(new JsonObject().put("phone", "+4915112350002"))))
            .await();
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    JsonObject after = status();
    assertThat(
            find(after.getJsonArray("tenants"), line.tenant().id())
                .orElseThrow()
                .getJsonObject("campaigns")
                .getLong("scheduled"))
        .isEqualTo(1);
    assertThat(after.getJsonObject("campaigns").getLong("scheduled")).isPositive();
    String campaign = created.bodyAsJsonObject().getString("id");
    assertThat(
            h.client
                .post("/v1/campaigns/" + campaign + "/cancel")
                .putHeader("Authorization", "Bearer " + line.tenant().apiKey())
                .send()
                .await()
                .statusCode())
        .isEqualTo(200);
    assertThat(
            find(status().getJsonArray("tenants"), line.tenant().id())
                .orElseThrow()
                .getJsonObject("campaigns")
                .getLong("scheduled"))
        .isZero();

    // Sends show in the summed rates for the beat interval that saw them.
    WhatsAppLine busy = line("rates", 1000);
    for (int i = 0; i < 20; i++) {
      text(busy, "+49151123501" + (10 + i), "r" + i);
    }
    awaitStatus(
        "a send rate above zero",
        st ->
            st.getJsonObject("rates").getJsonObject("dispatch").getDouble("sent", 0.0) > 0
                ? Boolean.TRUE
                : null);
  }

  @Test
  void everyInstanceShowsThroughItsHeartbeatAndLeavesWhenItStops() {
    JsonObject self =
        awaitStatus(
            "this instance's own beat",
            s -> find(s.getJsonArray("instances"), s.getString("instance")).orElse(null));
    assertThat(self.getBoolean("self")).isTrue();
    assertThat(self.getBoolean("live")).isTrue();

    Gateway other = h.anotherInstance(Map.of("dispatch.enabled", "false"));
    String otherId;
    try {
      JsonObject seen =
          awaitStatus(
              "the other instance's beat",
              s ->
                  s.getJsonArray("instances").stream()
                      .map(JsonObject.class::cast)
                      .filter(i -> !i.getBoolean("self") && i.getBoolean("live"))
                      .findFirst()
                      .orElse(null));
      otherId = seen.getString("id");
      assertThat(seen.getJsonArray("openBreakers")).isEmpty();
    } finally {
      other.close().await();
    }
    awaitStatus(
        "the stopped instance to leave the list",
        s -> find(s.getJsonArray("instances"), otherId).isEmpty() ? Boolean.TRUE : null);
  }

  @Test
  void thePageRendersTenantsAndChannelsAndShowsABreakerOpeningWithoutAReload() throws IOException {
    WhatsAppLine line = line("page", 1000);
    ChromeDriver browser = HeadlessChromium.start();
    try {
      browser.get(baseUrl + "/admin/status#token=" + IngressHarness.ADMIN_TOKEN);
      // The token left the address bar as soon as the page read it.
      assertThat(browser.getCurrentUrl()).doesNotContain("token");

      WebElement tenantName =
          awaitCell(browser, "tenants", line.tenant().id(), "name", line.tenant().id());
      assertThat(tenantName.isDisplayed()).isTrue();
      awaitCell(browser, "tenants", line.tenant().id(), "channels", line.channel());
      awaitCell(browser, "channels", line.channel(), "breaker", "closed");
      String refreshesBefore =
          browser.findElement(By.tagName("body")).getDomAttribute("data-refreshes");
      // A marker that a reload would wipe out.
      ((JavascriptExecutor) browser).executeScript("window.stillThisPage = 'yes';");

      // The provider is down for this channel: every send is a 503, which the breaker counts.
      fake.script(
          line.phoneNumberId(), c -> new Reply(503, "{\"error\":\"down\"}", Map.of(), null));
      for (int i = 0; i < 10; i++) {
        text(line, "+49151123502" + (10 + i), "o" + i);
      }

      WebElement breaker = awaitCell(browser, "channels", line.channel(), "breaker", "open");
      assertThat(breaker.getDomAttribute("class")).isEqualTo("open");
      awaitCell(browser, "channels", line.channel(), "openOn", status().getString("instance"));
      assertThat(((JavascriptExecutor) browser).executeScript("return window.stillThisPage;"))
          .isEqualTo("yes");
      assertThat(
              Integer.parseInt(
                  browser.findElement(By.tagName("body")).getDomAttribute("data-refreshes")))
          .isGreaterThan(Integer.parseInt(refreshesBefore));
      assertThat(browser.findElement(By.id("state")).getText()).startsWith("as of ");
      // For a person to look at: target/status-page.png.
      Files.write(Path.of("target", "status-page.png"), browser.getScreenshotAs(OutputType.BYTES));
    } finally {
      browser.quit();
    }
  }

  @Test
  void thePageSaysSoWhenTheTokenIsWrong() {
    ChromeDriver browser = HeadlessChromium.start();
    try {
      browser.get(baseUrl + "/admin/status#token=wrong-token");
      Await.until(
          "the page to report the refused token",
          WAIT,
          () -> browser.findElement(By.id("state")).getText().contains("401"));
      assertThat(browser.findElements(By.cssSelector("#tenants tbody tr"))).isEmpty();
    } finally {
      browser.quit();
    }
  }

  /** Waits until the row {@code id} of a table has a cell {@code name} holding {@code text}. */
  private static WebElement awaitCell(
      WebDriver browser, String table, String id, String name, String text) {
    AtomicReference<WebElement> found = new AtomicReference<>();
    By cell =
        By.cssSelector("#" + table + " tr[data-id='" + id + "'] td[data-name='" + name + "']");
    Await.until(
        table + " row " + id + " to show " + name + " " + text,
        WAIT,
        () -> {
          List<WebElement> cells = browser.findElements(cell);
          found.set(
              cells.isEmpty() || !cells.get(0).getText().contains(text) ? null : cells.get(0));
          return found.get() != null;
        });
    return found.get();
  }
}
