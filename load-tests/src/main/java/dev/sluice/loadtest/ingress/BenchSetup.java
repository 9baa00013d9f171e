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
 * Creates what an ingress run needs through the gateway's operator API: one Meta app, the {@link
 * Layout}'s tenants and one WhatsApp channel per number, with the run's inbound limits. Writes one
 * line {@code <tenant> <apiKey>} per tenant to {@code --keys-out} for the drain.
 *
 * <pre>
 * --admin-url http://127.0.0.1:8080 --admin-token T --app APP --app-secret S --keys-out FILE
 * [--tenants 20 --channels-per-tenant 2 --phone-id-base … --per-minute 600 --burst 100]
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
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    post(
        http,
        base + "/admin/meta-apps",
        token,
        new JsonObject()
            .put("id", app)
            .put("appSecret", a.required("app-secret"))
            .put("verifyToken", "load-test-verify-token"));
    List<String> keys = new ArrayList<>();
    for (int t = 0; t < layout.tenants(); t++) {
      String tenant = layout.tenantId(t);
      JsonObject created =
          post(
              http,
              base + "/admin/tenants",
              token,
              new JsonObject().put("id", tenant).put("name", "Load test tenant " + t));
      keys.add(tenant + " " + created.getString("apiKey"));
      for (int c = 0; c < layout.channelsPerTenant(); c++) {
        int index = t * layout.channelsPerTenant() + c;
        post(
            http,
            base + "/admin/tenants/" + tenant + "/channels",
            token,
            new JsonObject()
                .put("id", layout.channelId(index))
                .put("provider", "whatsapp")
                .put("address", layout.phoneNumberId(index))
                .put("metaApp", app)
                .put("credentials", new JsonObject().put("accessToken", "simulated-token-" + index))
                .put(
                    "limits",
                    new JsonObject()
                        .put(
                            "inbound",
                            new JsonObject()
                                .put("perPhonePerMinute", perMinute)
                                .put("burst", burst))));
      }
    }
    Files.write(Path.of(a.required("keys-out")), keys);
    System.out.println(
        "created app "
            + app
            + ", "
            + layout.tenants()
            + " tenants, "
            + layout.channels()
            + " WhatsApp channels");
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
