package dev.sluice.gateway.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.opentest4j.AssertionFailedError;

@Timeout(60)
class TestBackendsTest {

  @Test
  void uniqueIdsAreShortLowercaseAndNeverRepeat() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      String id = TestBackends.uniqueId("acme");
      assertThat(id).matches("acme-[a-z0-9]{10}");
      ids.add(id);
    }
    assertThat(ids).hasSize(10_000);
  }

  @Test
  void uniqueIdTurnsAnyPrefixIntoLettersDigitsAndDashes() {
    assertThat(TestBackends.uniqueId("Tenant_ACME.{hash}Tag"))
        .matches("tenant-acme-hash-tag-[a-z0-9]{10}");
    assertThat(TestBackends.uniqueId("")).matches("t-[a-z0-9]{10}");
    assertThat(TestBackends.uniqueId("duplicateDeliveryIsAcknowledgedOnceForEveryProvider"))
        .hasSizeLessThanOrEqualTo(TestBackends.MAX_ID_LENGTH)
        .matches("[a-z0-9]+(-[a-z0-9]+)*");
  }

  @Test
  void unreachableBackendFailsNamingTheUrlTheVariableAndTheFix() {
    String url = "redis://127.0.0.1:" + FreePorts.find();

    assertThatThrownBy(
            () ->
                TestBackends.require(
                    "Redis", url, TestBackends.REDIS_URL_ENV, "start it with ./test.sh"))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessage(
            "Redis is not reachable at "
                + url
                + " (SLUICE_TEST_REDIS_URL): start it with ./test.sh,"
                + " or point SLUICE_TEST_REDIS_URL at a running one");
  }

  @Test
  void reachableBackendPasses() throws Exception {
    try (ServerSocket listener = new ServerSocket()) {
      listener.bind(new InetSocketAddress(Loopback.ADDRESS, 0));
      String url = "postgresql://postgres@127.0.0.1:" + listener.getLocalPort() + "/sluice_test";

      assertThatCode(() -> TestBackends.require("PostgreSQL", url, TestBackends.PG_URL_ENV, "-"))
          .doesNotThrowAnyException();
    }
  }

  @Test
  void failureMessagesHideThePassword() {
    assertThat(TestBackends.redacted("postgresql://sluice:s3cret@db:5432/sluice"))
        .isEqualTo("postgresql://sluice:***@db:5432/sluice");
    assertThat(TestBackends.redacted("redis://:s3cret@127.0.0.1:6379"))
        .isEqualTo("redis://:***@127.0.0.1:6379");
    assertThat(TestBackends.redacted("postgresql://postgres@127.0.0.1:5432/sluice_test"))
        .isEqualTo("postgresql://postgres@127.0.0.1:5432/sluice_test");
  }

  @Test
  void defaultsPointAtTheLocalBackends() {
    if (System.getenv(TestBackends.REDIS_URL_ENV) == null) {
      assertThat(TestBackends.redisUrl()).isEqualTo("redis://127.0.0.1:6379");
    }
    if (System.getenv(TestBackends.PG_URL_ENV) == null) {
      assertThat(TestBackends.pgUrl())
          .isEqualTo("postgresql://postgres:postgres@127.0.0.1:5432/sluice_test");
    }
  }
}
