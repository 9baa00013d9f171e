package dev.sluice.gateway.connector.smpp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.ingress.IngressHarness;
import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;

/** An smpp channel of a tenant on a harness, and sends and reads through its API. */
record SmppLines(IngressHarness h, Tenant tenant) {

  /** Creates an smpp channel bound to the simulator, paced far above what a test sends. */
  void create(String channel, SmscSimulator smsc, JsonObject smpp, String systemId, String pw) {
    h.channel(
        tenant.id(),
        new JsonObject()
            .put("id", channel)
            .put("provider", "smpp")
            .put("smpp", smpp.copy().put("host", "127.0.0.1").put("port", smsc.port()))
            .put("credentials", new JsonObject().put("systemId", systemId).put("password", pw))
            .put(
                "limits",
                new JsonObject().put("outbound", new JsonObject().put("perSecond", 1000))));
  }

  /** {@code POST /v1/messages}, expecting 202; the message's id. */
  String send(String channel, String to, String text) {
    HttpResponse<Buffer> r =
        h.client
            .post("/v1/messages")
            .putHeader("Authorization", "Bearer " + tenant.apiKey())
            .sendJsonObject(
                new JsonObject().put("channel", channel).put("to", to).put("text", text))
            .await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(202);
    return r.bodyAsJsonObject().getString("id");
  }

  /** {@code GET /v1/messages/{id}}; empty until the message is known. */
  JsonObject message(String id) {
    HttpResponse<Buffer> r =
        h.client
            .get("/v1/messages/" + id)
            .putHeader("Authorization", "Bearer " + tenant.apiKey())
            .send()
            .await();
    return r.statusCode() == 200 ? r.bodyAsJsonObject() : new JsonObject();
  }
}
