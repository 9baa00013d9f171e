package dev.sluice.loadtest.ingress;

import dev.sluice.loadtest.Args;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates what a run needs through the gateway's operator API: one Meta app (unless {@code
 * --existing-app}), the {@link Layout}'s tenants from {@code --first-tenant} on, and one channel
 * per number, with the run's inbound limits. Writes one line {@code <tenant> <apiKey>} per tenant
 * to {@code --keys-out} for the drains and, with {@code --routes-out}, one line {@code <tenant>
 * <apiKey> <channel>} per channel for the egress generator.
 *
 * <p>{@code --provider whatsapp} (default) makes WhatsApp channels whose phone_number_id is the
 * layout's; {@code --provider twilio} makes Twilio SMS channels (sender {@code +1415555xxxx},
 * callbacks to {@code --public-url}/webhooks/twilio/{channel}). {@code --outbound-per-second},
 * {@code --outbound-burst}, {@code --per-recipient-per-minute}, {@code --recipient-burst} override
 * the provider's default pacing ({@code limits.outbound}). {@code --outbound-events
 * all|final|failures|none} puts {@code outboundEvents} in the tenant's create body (only when
 * given: a gateway without that field rejects it).
 *
 * <pre>
 * --admin-url http://127.0.0.1:8080 --admin-token T --app APP --app-secret S --keys-out FILE
 * [--tenants 20 --channels-per-tenant 2 --phone-id-base … --per-minute 600 --burst 100]
 * [--first-tenant 0 --provider whatsapp|twilio --public-url URL --routes-out FILE --existing-app]
 * [--outbound-events all|final|failures|none]
 * </pre>
 */
public final class BenchSetup {
  private BenchSetup() {}

  public static void main(String[] argv) throws IOException, InterruptedException {
    Args a = Args.parse(argv);
    String base = a.required("admin-url");
    String token = a.required("admin-token");
    String app = a.required("app");
    Layout layout =
        new Layout(
            a.integer("tenants", 20),
            a.integer("channels-per-tenant", 2),
            a.longValue("phone-id-base", 106_540_352_242_000L),
            a.integer("users", 100_000));
    int perMinute = a.integer("per-minute", 600);
    int burst = a.integer("burst", 100);
    int firstTenant = a.integer("first-tenant", 0);
    String provider = a.string("provider", "whatsapp");
    if (!provider.equals("whatsapp") && !provider.equals("twilio")) {
      throw new IllegalArgumentException("--provider must be whatsapp or twilio");
    }
    JsonObject outbound = new JsonObject();
    for (String[] o :
        new String[][] {
          {"outbound-per-second", "perSecond"},
          {"outbound-burst", "burst"},
          {"per-recipient-per-minute", "perRecipientPerMinute"},
          {"recipient-burst", "recipientBurst"}
        }) {
      if (a.has(o[0])) {
        outbound.put(o[1], a.integer(o[0], 0));
      }
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    if (!a.has("existing-app")) {
      post(
          http,
          base + "/admin/meta-apps",
          token,
          new JsonObject()
              .put("id", app)
              .put("appSecret", a.required("app-secret"))
              .put("verifyToken", "load-test-verify-token"));
    }
    List<String> keys = new ArrayList<>();
    List<String> routes = new ArrayList<>();
    for (int t = firstTenant; t < firstTenant + layout.tenants(); t++) {
      String tenant = layout.tenantId(t);
      JsonObject create = new JsonObject().put("id", tenant).put("name", "Load test tenant " + t);
      if (a.has("outbound-events")) {
        create.put("outboundEvents", a.required("outbound-events"));
      }
      JsonObject created = post(http, base + "/admin/tenants", token, create);
      String apiKey = created.getString("apiKey");
      keys.add(tenant + " " + apiKey);
      for (int c = 0; c < layout.channelsPerTenant(); c++) {
        int index = t * layout.channelsPerTenant() + c;
        JsonObject limits =
            new JsonObject()
                .put(
                    "inbound",
                    new JsonObject().put("perPhonePerMinute", perMinute).put("burst", burst));
        if (!outbound.isEmpty()) {
          limits.put("outbound", outbound);
        }
        JsonObject channel = new JsonObject().put("provider", provider).put("limits", limits);
        if (provider.equals("whatsapp")) {
          channel
              .put("id", layout.channelId(index))
              .put("address", layout.phoneNumberId(index))
              .put("metaApp", app)
              .put("credentials", new JsonObject().put("accessToken", "simulated-token-" + index));
        } else {
          String id = "tw-" + layout.channelId(index).substring(3);
          channel
              .put("id", id)
              .put("address", String.format("+1415555%04d", index % 10_000))
              .put("publicUrl", a.required("public-url") + "/webhooks/twilio/" + id)
              .put(
                  "credentials",
                  new JsonObject()
                      .put("accountSid", String.format("AC%032d", index))
                      .put("authToken", "simulated-auth-token-" + index));
        }
        post(http, base + "/admin/tenants/" + tenant + "/channels", token, channel);
        routes.add(tenant + " " + apiKey + " " + channel.getString("id"));
      }
    }
    Files.write(Path.of(a.required("keys-out")), keys);
    if (a.has("routes-out")) {
      Files.write(Path.of(a.required("routes-out")), routes);
    }
    System.out.println(
        "created app "
            + app
            + ", "
            + layout.tenants()
            + " tenants, "
            + layout.channels()
            + " "
            + provider
            + " channels");
  }

  private static JsonObject post(HttpClient http, String url, String token, JsonObject body)
      throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.encode()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IOException("POST " + url + " → " + r.statusCode() + " " + r.body());
    }
    return r.body().isEmpty() ? new JsonObject() : new JsonObject(r.body());
  }
}
