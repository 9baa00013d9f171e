package dev.sluice.gateway.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The audit entry's hash input and the canonical JSON of its details. */
class AuditChainTest {
  private static final byte[] NO_DETAILS = "{}".getBytes(StandardCharsets.UTF_8);

  @Test
  void detailsAreCompactWithEveryObjectsKeysSorted() {
    JsonObject details =
        new JsonObject()
            .put("b", 1)
            .put("a", new JsonObject().put("z", true).put("y", (Object) null))
            .put("c", new JsonArray().add(new JsonObject().put("q", "x").put("p", 2L)));

    assertThat(new String(AuditChain.canonical(details), StandardCharsets.UTF_8))
        .isEqualTo("{\"a\":{\"y\":null,\"z\":true},\"b\":1,\"c\":[{\"p\":2,\"q\":\"x\"}]}");
  }

  @Test
  void theSameDetailsInAnotherOrderOrNumberTypeAreTheSameBytes() {
    JsonObject one = new JsonObject().put("n", 7).put("s", "é");
    JsonObject other = new JsonObject().put("s", "é").put("n", 7L);

    assertThat(AuditChain.canonical(one)).isEqualTo(AuditChain.canonical(other));
  }

  @Test
  void detailsThatWouldNotComeBackFromJsonbUnchangedAreRefused() {
    assertThatThrownBy(() -> AuditChain.canonical(new JsonObject().put("f", 1.5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("details.f");
    assertThatThrownBy(() -> AuditChain.canonical(new JsonObject().put("f", 1.0)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                AuditChain.canonical(
                    new JsonObject().put("a", new JsonArray().add("ok").add("nul\0"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("details.a[1]");
    assertThatThrownBy(
            () -> AuditChain.canonical(new JsonObject().put("big", "x".repeat(9 * 1024))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most");
  }

  @Test
  void fieldBoundariesCannotBeShifted() {
    byte[] prev = AuditChain.GENESIS;
    byte[] ab = AuditChain.hash(prev, 1, 0, "ab", "c.d", null, null, NO_DETAILS);
    byte[] a = AuditChain.hash(prev, 1, 0, "a", "bc.d", null, null, NO_DETAILS);
    byte[] noSubject = AuditChain.hash(prev, 1, 0, "a", "b.c", "t", null, NO_DETAILS);
    byte[] emptySubject = AuditChain.hash(prev, 1, 0, "a", "b.c", "t", "", NO_DETAILS);
    byte[] tenantNotSubject = AuditChain.hash(prev, 1, 0, "a", "b.c", null, "t", NO_DETAILS);

    assertThat(ab).hasSize(32).isNotEqualTo(a);
    assertThat(noSubject).isNotEqualTo(emptySubject).isNotEqualTo(tenantNotSubject);
  }

  @Test
  void everyFieldIsCovered() {
    byte[] base = AuditChain.hash(AuditChain.GENESIS, 1, 5, "a", "b.c", "t", "s", NO_DETAILS);
    byte[] otherPrev = new byte[32];
    otherPrev[31] = 1;

    assertThat(AuditChain.hash(otherPrev, 1, 5, "a", "b.c", "t", "s", NO_DETAILS))
        .isNotEqualTo(base);
    assertThat(AuditChain.hash(AuditChain.GENESIS, 2, 5, "a", "b.c", "t", "s", NO_DETAILS))
        .isNotEqualTo(base);
    assertThat(AuditChain.hash(AuditChain.GENESIS, 1, 6, "a", "b.c", "t", "s", NO_DETAILS))
        .isNotEqualTo(base);
    assertThat(
            AuditChain.hash(
                AuditChain.GENESIS,
                1,
                5,
                "a",
                "b.c",
                "t",
                "s",
                "{\"x\":1}".getBytes(StandardCharsets.UTF_8)))
        .isNotEqualTo(base);
    // Pinned to the layout the class comment describes, computed apart from this code (Python's
    // hashlib over the same bytes): a change of the encoding must come with a new tag.
    assertThat(HexFormat.of().formatHex(base))
        .isEqualTo("df380e508cd89289135bf8fef12f4072be28aca832d4e91568c37b11ffc65f84");
    assertThat(
            HexFormat.of()
                .formatHex(
                    AuditChain.hash(AuditChain.GENESIS, 1, 5, "a", "b.c", null, null, NO_DETAILS)))
        .isEqualTo("5f8318fc4456773e9ae93bfa0e199ae22737914f96d2813e2e0a3846b4fe1ece");
  }
}
