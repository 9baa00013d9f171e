package dev.sluice.gateway.tenant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.config.Secret;
import dev.sluice.gateway.http.ErrorResponses;
import dev.sluice.gateway.privacy.AuditLog;
import dev.sluice.gateway.privacy.CredentialCipher;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.sqlclient.Pool;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link TenantAuth} in front of a tiny route, with a directory on a real database. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TenantAuthIT {
  private static TestDatabase db;
  private static Vertx vertx;
  private static Pool pool;
  private static TenantRepository repository;
  private static TenantDirectory directory;
  private static HttpServer server;
  private static WebClient client;

  @BeforeAll
  static void start() {
    db = TestDatabase.create();
    vertx = Vertx.vertx();
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    CredentialCipher cipher =
        new CredentialCipher(Secret.of(Base64.getEncoder().encodeToString(key)));
    pool = db.pool(vertx);
    repository = new TenantRepository(pool, cipher, new AuditLog(pool));
    directory = new TenantDirectory(pool, cipher);
    directory.refresh().await();
    Router router = Router.router(vertx);
    router.route("/v1/*").handler(new TenantAuth(directory));
    router.get("/v1/whoami").handler(ctx -> ctx.end(TenantAuth.tenant(ctx).id()));
    router.route().failureHandler(ErrorResponses::handle);
    server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
    client = WebClient.create(vertx);
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
    db.close();
  }

  @Test
  void keyFromTenantCreationAuthenticatesAsThatTenant() {
    String id = "acme-" + UUID.randomUUID().toString().substring(0, 8);
    IssuedApiKey key = repository.createTenant(new Tenant(id, "Acme")).await();
    directory.refresh().await();

    HttpResponse<Buffer> response = whoami("Bearer " + key.apiKey());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsString()).isEqualTo(id);
  }

  @Test
  void schemeIsCaseInsensitive() {
    String id = "acme-" + UUID.randomUUID().toString().substring(0, 8);
    IssuedApiKey key = repository.createTenant(new Tenant(id, "Acme")).await();
    directory.refresh().await();

    assertThat(whoami("bearer " + key.apiKey()).statusCode()).isEqualTo(200);
  }

  @Test
  void missingHeaderIsUnauthorized() {
    assertUnauthorized(whoami(null));
  }

  @Test
  void otherSchemeIsUnauthorized() {
    assertUnauthorized(whoami("Basic dXNlcjpwYXNz"));
  }

  @Test
  void unknownKeyIsUnauthorized() {
    assertUnauthorized(whoami("Bearer sk_live_" + "B".repeat(43)));
  }

  @Test
  void revokedKeyIsUnauthorized() {
    String id = "acme-" + UUID.randomUUID().toString().substring(0, 8);
    IssuedApiKey key = repository.createTenant(new Tenant(id, "Acme")).await();
    repository.revokeKey(id, key.prefix()).await();
    directory.refresh().await();

    assertUnauthorized(whoami("Bearer " + key.apiKey()));
  }

  private static HttpResponse<Buffer> whoami(String authorization) {
    HttpRequest<Buffer> request = client.get(server.actualPort(), "127.0.0.1", "/v1/whoami");
    if (authorization != null) {
      request.putHeader("Authorization", authorization);
    }
    return request.send().await();
  }

  private static void assertUnauthorized(HttpResponse<Buffer> response) {
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.getHeader("WWW-Authenticate")).isEqualTo("Bearer");
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("unauthorized");
  }
}
