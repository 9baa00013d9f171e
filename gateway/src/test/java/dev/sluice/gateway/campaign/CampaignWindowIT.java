package dev.sluice.gateway.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.i18n.phonenumbers.PhoneNumberToTimeZonesMapper;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.Await;
import dev.sluice.gateway.testing.FakeProvider;
import dev.sluice.gateway.testing.RunsAlone;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Quiet hours in the recipient's local time, with the gateway's clock injected: for New York,
 * Sydney, Kolkata and an Australian mobile number (every Australian zone: Perth to Sydney), a
 * campaign whose window opens at this minute of the recipient's day sends nothing while the clock
 * is ten minutes behind (its rows wait for the window, counted as such) and sends every row once
 * the clock reaches the opening.
 *
 * <p>The clock is only ever set behind real time: due times meet Redis's own clock in the work
 * sets, and a due time ahead of it would hold the campaign back for real.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@RunsAlone
class CampaignWindowIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static FakeProvider fake;
  private static IngressHarness h;
  private static String app;

  @BeforeAll
  static void start() {
    fake = FakeProvider.whatsApp();
    h =
        IngressHarness.start(
            Map.of(
                "whatsapp.baseUrl", fake.baseUrl(),
                "providers.allowHttp", "true",
                "dispatch.windowRecheckMs", "1000"));
    app = TestBackends.uniqueId("app");
    h.metaApp(app, "secret-window", "verify");
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) {
      h.clock.reset();
      h.close();
    }
    if (fake != null) {
      fake.close();
    }
  }

  private record Case(String name, String number) {}

  @Test
  void rowsWaitForTheirLocalWindowAndGoWhenItOpens() {
    List<Case> cases =
        List.of(
            new Case("new-york", "+12125550123"),
            new Case("sydney", "+61291234567"),
            new Case("kolkata", "+913322123456"),
            new Case("australian-mobile", "+61412345678"));
    Instant real = Instant.now();
    h.clock.set(real.minus(10, ChronoUnit.MINUTES));
    List<String[]> started = new ArrayList<>();
    for (Case c : cases) {
      Tenant t = h.tenant(c.name());
      String phoneNumberId = "8" + Math.abs(System.nanoTime() % 1_000_000_000L);
      String channel = TestBackends.uniqueId(c.name());
      h.channel(
          t.id(),
          new JsonObject()
              .put("id", channel)
              .put("provider", "whatsapp")
              .put("address", phoneNumberId)
              .put("metaApp", app)
              .put("credentials", new JsonObject().put("accessToken", "EAAG-w")));
      JsonObject window = windowOpeningNow(c.number(), real);
      HttpResponse<Buffer> created =
          h.client
              .post("/v1/campaigns")
              .putHeader("Authorization", "Bearer " + t.apiKey())
              .sendJsonObject(
                  new JsonObject()
                      .put("name", c.name())
                      .put("channel", channel)
                      .put("message", new JsonObject().put("text", "good morning"))
                      .put("window", window)
                      .put(
                          "audience",
                          new JsonArray().add(new JsonObject().put("phone", c.number()))))
              .await();
      assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
      started.add(
          new String[] {t.apiKey(), created.bodyAsJsonObject().getString("id"), phoneNumberId});
    }

    for (String[] s : started) {
      JsonObject[] last = new JsonObject[1];
      try {
        Await.until(
            "the row to wait for its window",
            WAIT,
            () -> (last[0] = counts(s)).getLong("waitingForWindow") == 1);
      } catch (AssertionError e) {
        String campaign =
            h.client
                .get("/v1/campaigns/" + s[1])
                .putHeader("Authorization", "Bearer " + s[0])
                .send()
                .await()
                .bodyAsString();
        throw new AssertionError(
            e.getMessage()
                + "; last seen: "
                + last[0]
                + " campaign "
                + campaign
                + " clock "
                + h.clock.instant(),
            e);
      }
    }
    for (String[] s : started) {
      assertThat(fake.callsFor(s[2])).as("sent before its window opened").isEmpty();
    }

    h.clock.reset(); // the windows open
    for (String[] s : started) {
      Await.until(
          "the row to be sent once its window opened", WAIT, () -> counts(s).getLong("sent") == 1);
      assertThat(fake.callsFor(s[2])).hasSize(1);
    }
  }

  /**
   * A window opening at this minute of the number's local day (in its westernmost zone, for a
   * number of several zones, where it opens last) and closing six hours later: open now in every
   * zone, closed ten minutes ago in that one.
   */
  private static JsonObject windowOpeningNow(String number, Instant now) {
    List<ZoneId> zones = new ArrayList<>();
    try {
      for (String z :
          PhoneNumberToTimeZonesMapper.getInstance()
              .getTimeZonesForNumber(PhoneNumberUtil.getInstance().parse(number, null))) {
        zones.add(ZoneId.of(z));
      }
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    // Open now in every zone, and opened last in the westernmost one: at this minute there.
    ZoneId west = zones.get(0);
    for (ZoneId z : zones) {
      if (z.getRules().getOffset(now).getTotalSeconds()
          < west.getRules().getOffset(now).getTotalSeconds()) {
        west = z;
      }
    }
    LocalTime from = now.atZone(west).toLocalTime().truncatedTo(ChronoUnit.MINUTES);
    if (Duration.between(from, now.atZone(west).toLocalTime()).toSeconds() > 540) {
      throw new AssertionError("cannot happen: a minute is shorter than nine");
    }
    LocalTime to = from.plusHours(6);
    return new JsonObject().put("from", from.toString()).put("to", to.toString());
  }

  private static JsonObject counts(String[] s) {
    HttpResponse<Buffer> r =
        h.client
            .get("/v1/campaigns/" + s[1])
            .putHeader("Authorization", "Bearer " + s[0])
            .send()
            .await();
    return r.bodyAsJsonObject().getJsonObject("counts");
  }
}
