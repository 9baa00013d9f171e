package dev.sluice.loadtest.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.withinPercentage;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class StatusMatcherTest {
  private static final long T0_MS = 1_795_000_000_000L;

  private static JsonObject dispatched(String id, String wamid, String status, long atMs) {
    return new JsonObject()
        .put("id", "1-0:" + id)
        .put("kind", "status")
        .put("messageId", id)
        .put("providerMessageId", wamid)
        .put("status", status)
        .put("receivedAt", atMs);
  }

  private static JsonObject provider(String wamid, String status, long atMs) {
    return new JsonObject()
        .put("kind", "status")
        .put("providerMessageId", wamid)
        .put("status", status)
        .put("receivedAt", atMs);
  }

  // Latencies go through HdrHistogram (3 significant digits): compared within 0.2 %.

  @Test
  void aMessageIsFollowedFromAcceptanceToReadThroughItsProviderId() {
    StatusMatcher m = new StatusMatcher("read");
    m.accepted("m1", T0_MS * 1000, true);
    m.event(dispatched("m1", "wamid.A", "sent", T0_MS + 40));
    m.event(provider("wamid.A", "sent", T0_MS + 60));
    assertThat(m.complete()).isFalse();
    m.event(provider("wamid.A", "delivered", T0_MS + 150));
    m.event(provider("wamid.A", "read", T0_MS + 400));
    assertThat(m.complete()).isTrue();

    JsonObject r = m.result();
    assertThat(r.getLong("accepted")).isEqualTo(1);
    assertThat(r.getLong("sentOnce")).isEqualTo(1);
    assertThat(r.getLong("finalReached")).isEqualTo(1);
    assertThat(r.getLong("missingFinal")).isZero();
    assertThat(r.getJsonObject("acceptedToSentMs").getDouble("p50"))
        .isCloseTo(40.0, withinPercentage(0.2));
    assertThat(r.getJsonObject("acceptedToFinalMs").getDouble("p99"))
        .isCloseTo(400.0, withinPercentage(0.2));
    assertThat(r.getJsonObject("providerStatuses").getLong("delivered")).isEqualTo(1);
  }

  @Test
  void eventsDrainedBeforeTheLoadNamedItsMessagesStillMatch() {
    StatusMatcher m = new StatusMatcher("read");
    m.event(provider("wamid.B", "read", T0_MS + 300));
    m.event(dispatched("m2", "wamid.B", "sent", T0_MS + 20));
    m.accepted("m2", T0_MS * 1000, true);

    JsonObject r = m.result();
    assertThat(r.getLong("sentOnce")).isEqualTo(1);
    assertThat(r.getLong("finalReached")).isEqualTo(1);
    assertThat(r.getLong("dispatchEventsForUnknownMessages")).isZero();
  }

  @Test
  void aMessageDispatchedTwiceAndAStatusDrainedTwiceAreCounted() {
    StatusMatcher m = new StatusMatcher("delivered");
    m.accepted("m3", T0_MS * 1000, true);
    m.event(dispatched("m3", "wamid.C", "sent", T0_MS + 10));
    m.event(dispatched("m3", "wamid.C", "sent", T0_MS + 900));
    m.event(provider("wamid.C", "delivered", T0_MS + 100));
    m.event(provider("wamid.C", "delivered", T0_MS + 120));

    JsonObject r = m.result();
    assertThat(r.getLong("duplicateSends")).isEqualTo(1);
    assertThat(r.getLong("sentOnce")).isZero();
    assertThat(r.getLong("duplicateStatuses")).isEqualTo(1);
    assertThat(r.getJsonObject("acceptedToSentMs").getDouble("max"))
        .isCloseTo(10.0, withinPercentage(0.2));
    assertThat(r.getJsonObject("acceptedToFinalMs").getDouble("max"))
        .isCloseTo(100.0, withinPercentage(0.2));
  }

  @Test
  void anAcceptedMessageWithoutAnyEventIsNotSentAndFailuresAreTerminal() {
    StatusMatcher m = new StatusMatcher("read");
    m.accepted("lost", T0_MS * 1000, true);
    m.accepted("failed", T0_MS * 1000, true);
    m.event(dispatched("failed", null, "failed", T0_MS + 5));
    m.event(new JsonObject().put("kind", "message").put("providerMessageId", "wamid.in"));
    m.event(provider("wamid.someone-else", "read", T0_MS));
    assertThat(m.complete()).isFalse();

    JsonObject r = m.result();
    assertThat(r.getLong("notSent")).isEqualTo(1);
    assertThat(r.getLong("failed")).isEqualTo(1);
    assertThat(r.getLong("missingFinal")).isEqualTo(1);
    assertThat(r.getLong("otherEvents")).isEqualTo(1);
    assertThat(r.getLong("unmatchedProviderStatuses")).isEqualTo(1);
  }

  @Test
  void warmUpMessagesCountButAreNotMeasuredAndTheTimelineCountsPerSecond() {
    StatusMatcher m = new StatusMatcher("sent");
    m.accepted("warm", T0_MS * 1000, false);
    m.accepted("hot", (T0_MS + 1000) * 1000, true);
    m.event(dispatched("warm", "w1", "sent", T0_MS + 5_000));
    m.event(dispatched("hot", "w2", "sent", T0_MS + 1_050));

    JsonObject r = m.result();
    assertThat(r.getLong("measured")).isEqualTo(1);
    assertThat(r.getJsonObject("acceptedToSentMs").getDouble("max"))
        .isCloseTo(50.0, withinPercentage(0.2));
    assertThat(r.getJsonArray("timeline")).hasSize(6);
    assertThat(r.getJsonArray("timeline").getJsonObject(1).getLong("sent")).isEqualTo(1);
    assertThat(r.getJsonArray("timeline").getJsonObject(5).getLong("final")).isEqualTo(1);
  }

  @Test
  void onlyAStatusOfTheLifecycleCanBeFinal() {
    assertThatThrownBy(() -> new StatusMatcher("failed"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
