package dev.sluice.gateway.privacy.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.gateway.Gateway;
import dev.sluice.gateway.TestGateways;
import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.db.Database;
import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.privacy.CredentialCipher;
import dev.sluice.gateway.privacy.PhoneHasher;
import dev.sluice.gateway.privacy.TenantKeys;
import dev.sluice.gateway.privacy.jobs.PrivacyHarness.Line;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The privacy API's answers (authentication, bad input, another tenant's job, the operator's
 * routes), on a gateway that runs no privacy jobs, so jobs stay where the test puts them; and a job
 * whose instance died, taken over by another instance.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PrivacyRoutesIT {
  private static PrivacyHarness ph;

  @BeforeAll
  static void start() {
    ph = new PrivacyHarness(Map.of("privacy.enabled", "false"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (ph != null) {
      ph.close();
    }
  }

  private static HttpResponse<Buffer> post(Tenant t, String path, String body) {
    return ph.h
        .client
        .post(path)
        .putHeader("Authorization", "Bearer " + t.apiKey())
        .sendBuffer(Buffer.buffer(body))
        .await();
  }

  private static String code(HttpResponse<Buffer> r) {
    return r.bodyAsJsonObject().getJsonObject("error").getString("code");
  }

  @Test
  void aRequestIsAuthenticatedAndItsSubjectChecked() {
    Tenant t = ph.h.tenant("routes");
    for (String kind : new String[] {"erasures", "exports"}) {
      String path = "/v1/privacy/" + kind;
      HttpResponse<Buffer> anonymous =
          ph.h
              .client
              .post(path)
              .sendJsonObject(new JsonObject().put("phone", "+4915112345621"))
              .await();
      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(
              ph.h.client.get(path + "/" + java.util.UUID.randomUUID()).send().await().statusCode())
          .isEqualTo(401);

      HttpResponse<Buffer> badPhone = post(t, path, "{\"phone\":\"12345\"}");
      assertThat(badPhone.statusCode()).isEqualTo(400);
      assertThat(code(badPhone)).isEqualTo("invalid_phone");
      assertThat(post(t, path, "{\"phone\":\"+999\"}").statusCode()).isEqualTo(400);
      assertThat(post(t, path, "not json").statusCode()).isEqualTo(400);
      assertThat(post(t, path, "{\"phone\":49151}").statusCode()).isEqualTo(400);
      for (String unacceptable :
          new String[] {
            "{}",
            "{\"phone\":\"+4915112345621\",\"userId\":\"123\"}",
            "{\"phone\":\"+4915112345621\",\"name\":\"x\"}",
            "{\"userId\":\"\"}",
            "{\"userId\":\" 123\"}"
          }) {
        HttpResponse<Buffer> r = post(t, path, unacceptable);
        assertThat(r.statusCode()).as(unacceptable).isEqualTo(422);
        assertThat(code(r)).isEqualTo("invalid");
      }
    }
  }

  @Test
  void aJobIsShownToItsTenantOnlyAndAnExportNotReadyIsNotDownloaded() {
    Tenant mine = ph.h.tenant("mine");
    Tenant other = ph.h.tenant("other");
    String erasure =
        ph.request(mine, "erasure", new JsonObject().put("phone", "+49 151 1234-5622"));
    String export = ph.request(mine, "export", new JsonObject().put("userId", "123456789"));

    JsonObject shown =
        ph.api(mine, HttpMethod.GET, "/v1/privacy/erasures/" + erasure, null).bodyAsJsonObject();
    assertThat(shown.getString("status")).isEqualTo("pending");
    assertThat(Duration.between(Instant.now(), Instant.parse(shown.getString("deadline"))).toDays())
        .isBetween(29L, 30L);
    assertThat(shown.getJsonObject("removed")).isEmpty();
    assertThat(shown.encode()).doesNotContain("5622");
    assertThat(ph.api(other, HttpMethod.GET, "/v1/privacy/erasures/" + erasure, null).statusCode())
        .isEqualTo(404);
    assertThat(ph.api(mine, HttpMethod.GET, "/v1/privacy/exports/" + erasure, null).statusCode())
        .isEqualTo(404); // an erasure is no export
    assertThat(ph.api(mine, HttpMethod.GET, "/v1/privacy/erasures/not-a-uuid", null).statusCode())
        .isEqualTo(404);
    HttpResponse<Buffer> notReady =
        ph.api(mine, HttpMethod.GET, "/v1/privacy/exports/" + export + "/download", null);
    assertThat(notReady.statusCode()).isEqualTo(409);
    assertThat(code(notReady)).isEqualTo("export_not_ready");
    assertThat(
            ph.api(other, HttpMethod.GET, "/v1/privacy/exports/" + export + "/download", null)
                .statusCode())
        .isEqualTo(404);
  }

  @Test
  void theOperatorRequestsAndReadsJobsOfAnyTenantWithTheAdminToken() {
    Tenant t = ph.h.tenant("operated");
    String base = "/admin/tenants/" + t.id() + "/privacy/erasures";
    JsonObject body = new JsonObject().put("phone", "+4915112345623");

    assertThat(ph.h.client.post(base).sendJsonObject(body).await().statusCode()).isEqualTo(401);
    assertThat(
            ph.api(t, HttpMethod.POST, base, body).statusCode()) // a tenant key is no admin token
        .isEqualTo(401);
    assertThat(
            ph.admin(HttpMethod.POST, "/admin/tenants/no-such-tenant/privacy/erasures", body)
                .statusCode())
        .isEqualTo(404);
    HttpResponse<Buffer> created = ph.admin(HttpMethod.POST, base, body);
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(202);
    String id = created.bodyAsJsonObject().getString("id");

    assertThat(
            ph.admin(HttpMethod.GET, base + "/" + id, null).bodyAsJsonObject().getString("status"))
        .isEqualTo("pending");
    assertThat(ph.api(t, HttpMethod.GET, "/v1/privacy/erasures/" + id, null).statusCode())
        .isEqualTo(200);
    Tenant other = ph.h.tenant("elsewhere");
    assertThat(
            ph.admin(
                    HttpMethod.GET,
                    "/admin/tenants/" + other.id() + "/privacy/erasures/" + id,
                    null)
                .statusCode())
        .isEqualTo(404);
    assertThat(
            ph.admin(HttpMethod.POST, "/admin/tenants/" + t.id() + "/privacy/exports", body)
                .statusCode())
        .isEqualTo(202);
  }

  @Test
  void aRequestIsRecordedInTheTrailInItsTransactionAndNotTakenWhenTheRecordFails()
      throws Exception {
    Tenant t = ph.h.tenant("trail");
    GatewayConfig config = TestGateways.config(Map.of("pg.url", TestGateways.pgUrl(ph.h.database)));
    Pool pool = Database.pool(ph.vertx, config.pg());
    TenantKeys keys = new TenantKeys(pool, new CredentialCipher(config.security().masterKey()));
    PhoneHasher hasher = new PhoneHasher(config.security().masterKey());
    ph.sql("CREATE TABLE IF NOT EXISTS test_trail (action text, actor text, job text)");
    JobTrail recording =
        (tx, e) ->
            tx.preparedQuery("INSERT INTO test_trail VALUES ($1, $2, $3)")
                .execute(Tuple.of(e.action(), e.actor(), e.jobId()))
                .mapEmpty();
    JobTrail broken =
        (tx, e) ->
            Future.failedFuture(GatewayException.unavailable("audit", "the trail is down", 1));
    try {
      Job job =
          new PrivacyRequests(pool, keys, hasher, recording)
              .request(
                  t.id(),
                  Job.Kind.ERASURE,
                  Subject.phone("+4915112345625"),
                  Job.Requester.OPERATOR,
                  "operator")
              .await();
      assertThat(ph.sql("SELECT action || ' ' || actor || ' ' || job FROM test_trail"))
          .isEqualTo("erasure.requested operator " + job.id());

      assertThatThrownBy(
              () ->
                  new PrivacyRequests(pool, keys, hasher, broken)
                      .request(
                          t.id(),
                          Job.Kind.EXPORT,
                          Subject.phone("+4915112345625"),
                          Job.Requester.TENANT,
                          "tenant:" + t.id())
                      .await())
          .isInstanceOf(GatewayException.class);
      assertThat(ph.sql("SELECT count(*) FROM privacy_jobs WHERE tenant_id = '" + t.id() + "'"))
          .isEqualTo(1L);
    } finally {
      pool.close().await();
    }
  }

  @Test
  void aJobWhoseInstanceDiedIsTakenOverAndKeepsTheCountsOfItsFirstRun() throws Exception {
    Line line = ph.line("takeover");
    String person = "+4915112345624";
    ph.inbound(line, person.substring(1), "left behind by the dead instance");
    String id = ph.request(line.tenant(), "erasure", new JsonObject().put("phone", person));
    // As an instance leaves a job it was running when it died: its lease still runs for a moment,
    // and the counts of the steps it finished are written.
    ph.sql(
        "UPDATE privacy_jobs SET status = 'running', lease_owner = 'dead',"
            + " lease_until = now() + interval '2 seconds', attempts = 1, started_at = now(),"
            + " removed = '{\"replayArchive\": 3}' WHERE id = '"
            + id
            + "'");

    Gateway survivor = ph.h.anotherInstance(Map.of("privacy.enabled", "true"));
    try {
      JsonObject done = ph.awaitCompleted(line.tenant(), "erasure", id);

      assertThat(done.getJsonObject("removed").getLong("replayArchive")).isEqualTo(3);
      assertThat(done.getJsonObject("removed").getLong("inbound")).isEqualTo(1);
      assertThat(Instant.parse(done.getString("finishedAt")))
          .isAfter(Instant.parse(done.getString("startedAt")).plusSeconds(1));
      assertThat(ph.sql("SELECT attempts FROM privacy_jobs WHERE id = '" + id + "'")).isEqualTo(2);
      assertThat(ph.sql("SELECT subject IS NULL FROM privacy_jobs WHERE id = '" + id + "'"))
          .isEqualTo(true);
      assertThat(ph.drain(line.tenant())).isEmpty();
    } finally {
      survivor.close().await();
    }
  }
}
