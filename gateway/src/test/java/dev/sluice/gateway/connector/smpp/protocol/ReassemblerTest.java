package dev.sluice.gateway.connector.smpp.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReassemblerTest {
  private static final SmppAddress PHONE = new SmppAddress(1, 1, "4915112345678");
  private static final SmppAddress US = new SmppAddress(5, 0, "SLUICE");

  private final Vertx vertx = Vertx.vertx();
  private final List<MobileOriginated> handed = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private Reassembler reassembler(Duration timeout, Future<Void> answer) {
    return new Reassembler(
        vertx,
        timeout,
        mo -> {
          handed.add(mo);
          return answer;
        });
  }

  private static Reassembler.Part part(int seq, String text) {
    return new Reassembler.Part(PHONE, US, 9, 3, seq, text);
  }

  @Test
  void partsAreAnsweredOnlyOnceTheWholeMessageIsStored() {
    Promise<Void> stored = Promise.promise();
    Reassembler r = reassembler(Duration.ofSeconds(60), stored.future());

    Future<Integer> third = r.accept(part(3, "c"));
    Future<Integer> first = r.accept(part(1, "a"));
    Future<Integer> redelivered = r.accept(part(1, "a"));
    assertThat(first.isComplete()).isFalse();
    Future<Integer> second = r.accept(part(2, "b"));

    assertThat(handed).extracting(MobileOriginated::text).containsExactly("abc");
    assertThat(second.isComplete()).isFalse();
    stored.complete();
    assertThat(List.of(first, second, third, redelivered))
        .allSatisfy(f -> assertThat(f.await()).isZero());
    assertThat(r.waiting()).isZero();
  }

  @Test
  void aFailedStoreAnswersEveryPartWithATemporaryError() {
    Reassembler r = reassembler(Duration.ofSeconds(60), Future.failedFuture("down"));

    r.accept(part(1, "a"));
    r.accept(part(2, "b"));
    Future<Integer> last = r.accept(part(3, "c"));

    assertThat(last.await()).isEqualTo(0x64);
  }

  @Test
  void missingPartsAfterTheTimeoutAreMarkedAndWhatCameIsHandedOn() {
    Reassembler r = reassembler(Duration.ofMillis(100), Future.succeededFuture());

    Future<Integer> first = r.accept(part(1, "a"));
    Future<Integer> third = r.accept(part(3, "c"));

    assertThat(first.await()).isZero();
    assertThat(third.await()).isZero();
    assertThat(handed).extracting(MobileOriginated::text).containsExactly("a[…]c");
  }

  @Test
  void theDedupKeyIsStableAcrossRedeliveries() {
    String once = Reassembler.dedupKey(PHONE, US, "STOP", "9/3");
    String again = Reassembler.dedupKey(PHONE, US, "STOP", "9/3");
    String other = Reassembler.dedupKey(PHONE, US, "STOP", "10/3");

    assertThat(once).isEqualTo(again).isNotEqualTo(other).hasSize(32);
  }
}
