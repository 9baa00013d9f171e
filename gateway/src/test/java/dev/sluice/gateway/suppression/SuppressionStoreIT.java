package dev.sluice.gateway.suppression;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.queue.TenantQueueKeys;
import dev.sluice.gateway.suppression.SuppressionStore.Add;
import dev.sluice.gateway.suppression.SuppressionStore.Added;
import dev.sluice.gateway.suppression.SuppressionStore.Entry;
import dev.sluice.gateway.suppression.SuppressionStore.Note;
import dev.sluice.gateway.suppression.SuppressionStore.Page;
import dev.sluice.gateway.testing.LibraryRedis;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract of the suppression functions, through {@link SuppressionStore}: {@code
 * sluice_suppress}, {@code sluice_unsuppress}, {@code sluice_suppressed} and {@code
 * sluice_suppression_scan}. On a redis-server of this class's own, with this source's library.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SuppressionStoreIT {
  private static LibraryRedis redis;
  private static SuppressionStore store;

  @BeforeAll
  static void start() {
    redis = LibraryRedis.start("sup:");
    store = new SuppressionStore(redis.backend());
  }

  @AfterAll
  static void stop() {
    redis.close();
  }

  private static TenantQueueKeys partition() {
    return new TenantQueueKeys(redis.backend().keyPrefix(), TestBackends.uniqueId("sup"), 3);
  }

  @Test
  void addNotesEachNewMemberOnceAndKeepsTheFirstNoteOfAMemberThereAlready() {
    TenantQueueKeys k = partition();
    long before = System.currentTimeMillis();

    List<Added> first =
        store
            .add(k, "api", List.of(new Add("wa:h1", "asked, by \"phone\""), new Add("*:h2", null)))
            .await();
    List<Added> again =
        store.add(k, "import", List.of(new Add("wa:h1", "other"), new Add("wa:h3", ""))).await();

    assertThat(first).extracting(Added::added).containsExactly(true, true);
    assertThat(again).extracting(Added::added).containsExactly(false, true);
    Note kept = again.get(0).note();
    assertThat(kept.source()).isEqualTo("api");
    assertThat(kept.reason()).isEqualTo("asked, by \"phone\"");
    assertThat(kept.at().toEpochMilli())
        .isBetween(before - 1_000, System.currentTimeMillis() + 1_000);
    assertThat(first.get(1).note().reason()).isNull(); // none given
    assertThat(again.get(1).note().source()).isEqualTo("import");
    assertThat(members(k)).containsExactlyInAnyOrder("wa:h1", "*:h2", "wa:h3");
  }

  @Test
  void aMemberTwiceInOneCallIsAddedOnceAndAMemberWithoutANoteGetsOne() {
    TenantQueueKeys k = partition();
    redis.send(Request.cmd(Command.SADD).arg(k.optOuts()).arg("tw:old"));

    List<Added> answers =
        store
            .add(
                k,
                "import",
                List.of(new Add("tw:h", "a"), new Add("tw:h", "b"), new Add("tw:old", "c")))
            .await();

    assertThat(answers).extracting(Added::added).containsExactly(true, false, false);
    assertThat(answers.get(1).note().reason()).isEqualTo("a");
    assertThat(answers.get(2).note().source()).isEqualTo("import");
    assertThat(answers.get(2).note().reason()).isEqualTo("c");
  }

  @Test
  void findTellsAnEntryFromNoneAndAnEntryWithoutANoteIsAProviderOptOut() {
    TenantQueueKeys k = partition();
    store.add(k, "api", List.of(new Add("wa:h1", "r"))).await();
    redis.send(Request.cmd(Command.SADD).arg(k.optOuts()).arg("wa:old"));

    List<Note> found = store.find(k, List.of("wa:h1", "wa:none", "wa:old")).await();

    assertThat(found.get(0).source()).isEqualTo("api");
    assertThat(found.get(0).reason()).isEqualTo("r");
    assertThat(found.get(1)).isNull();
    assertThat(found.get(2)).isEqualTo(new Note("provider", null, null));
  }

  @Test
  void removeTakesTheMemberAndItsNoteAndSaysWhetherItWasThere() {
    TenantQueueKeys k = partition();
    store.add(k, "api", List.of(new Add("wa:h1", "r"), new Add("*:h1", null))).await();

    assertThat(store.remove(k, List.of("wa:h1", "wa:none")).await()).containsExactly(true, false);
    assertThat(store.remove(k, List.of("wa:h1")).await()).containsExactly(false);

    assertThat(members(k)).containsExactly("*:h1");
    assertThat(redis.hget(k.optOutNotes(), "wa:h1")).isNull();
    assertThat(redis.hget(k.optOutNotes(), "*:h1")).isNotNull();
  }

  @Test
  void aScanWalksEveryMemberWithItsNoteAndEndsWithCursorZero() {
    TenantQueueKeys k = partition();
    List<Add> adds = new ArrayList<>();
    for (int i = 0; i < 1_200; i++) {
      adds.add(new Add("wa:h" + i, "r" + i));
    }
    store.add(k, "import", adds).await();
    redis.send(Request.cmd(Command.SADD).arg(k.optOuts()).arg("wa:unnoted"));

    Set<String> seen = new HashSet<>();
    String cursor = "0";
    int steps = 0;
    do {
      Page page = store.scan(k, cursor, 100).await();
      for (Entry e : page.entries()) {
        seen.add(e.member());
        if (e.member().equals("wa:h7")) {
          assertThat(e.note().reason()).isEqualTo("r7");
          assertThat(e.note().source()).isEqualTo("import");
        }
        if (e.member().equals("wa:unnoted")) {
          assertThat(e.note()).isEqualTo(Note.UNNOTED);
        }
      }
      cursor = page.cursor();
      steps++;
    } while (!"0".equals(cursor));

    assertThat(seen).hasSize(1_201);
    assertThat(steps).isGreaterThan(1);
    assertThat(store.scan(partition(), "0", 100).await())
        .isEqualTo(new Page("0", List.of())); // an empty partition
  }

  @Test
  void aNoteWrittenByTheLibraryReadsBackAsItsFields() {
    Note n = Note.parse("{\"at\":1700000000123,\"source\":\"keyword\",\"reason\":\"STOP\"}");
    assertThat(n).isEqualTo(new Note("keyword", "STOP", Instant.ofEpochMilli(1_700_000_000_123L)));
    assertThat(Note.parse("not json")).isEqualTo(Note.UNNOTED);
    assertThat(Note.parse("")).isEqualTo(Note.UNNOTED);
  }

  private static List<String> members(TenantQueueKeys k) {
    List<String> out = new ArrayList<>();
    redis.send(Request.cmd(Command.SMEMBERS).arg(k.optOuts())).forEach(m -> out.add(m.toString()));
    return out;
  }
}
