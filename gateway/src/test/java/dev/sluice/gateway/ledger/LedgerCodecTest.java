package dev.sluice.gateway.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class LedgerCodecTest {
  private static final LedgerEvent OURS =
      new LedgerEvent(
          "0190b7a0-0000-7000-8000-000000000001",
          "acme",
          "acme-wa",
          "whatsapp",
          "+4915112345678",
          "high",
          "ref \"quoted\" ü",
          1_000,
          MessageStatus.SENT,
          2_000,
          "wamid.X",
          null,
          null,
          "dispatcher");

  @Test
  void eventsComeBackAsTheyWereWritten() {
    LedgerEvent provider =
        LedgerEvent.fromProvider("whatsapp", "wamid.Y", MessageStatus.READ, 3_000, "131026");

    assertThat(LedgerCodec.decode(LedgerCodec.encode(List.of(OURS, provider))))
        .containsExactly(OURS, provider);
  }

  @Test
  void theAcceptingEventCarriesTheBodyThrough() {
    LedgerEvent accepted =
        new LedgerEvent(
            "0190b7a0-0000-7000-8000-000000000002",
            "acme",
            "acme-wa",
            "whatsapp",
            "+4915112345678",
            "high",
            null,
            1_000,
            MessageStatus.ACCEPTED,
            1_000,
            null,
            null,
            null,
            "api",
            "0190b7a0-0000-7000-8000-00000000000c",
            "{\"type\":\"text\",\"text\":\"Hi \\\"there\\\" ü\"}");

    assertThat(LedgerCodec.decode(LedgerCodec.encode(List.of(accepted, OURS))))
        .containsExactly(accepted, OURS);
  }

  @Test
  void anEntryWrittenByAnOlderGatewayStillReads() {
    // As the JsonObject form wrote it: every field, nulls included, in another order, plus one
    // this version does not know.
    String old =
        """
        [{"source":"api","id":"0190b7a0-0000-7000-8000-000000000002","tenant":"acme",
          "channel":"acme-tw","provider":"twilio","recipient":"+12025550100","lane":"low",
          "clientRef":null,"createdAt":1000,"status":"accepted","at":1000,
          "providerMessageId":null,"errorCode":null,"errorMessage":null,"later":{"x":[1]}}]""";

    List<LedgerEvent> events = LedgerCodec.decode(old.getBytes(StandardCharsets.UTF_8));

    assertThat(events).hasSize(1);
    assertThat(events.get(0).status()).isEqualTo(MessageStatus.ACCEPTED);
    assertThat(events.get(0).lane()).isEqualTo("low");
    assertThat(events.get(0).clientRef()).isNull();
    assertThat(events.get(0).source()).isEqualTo("api");
  }

  @Test
  void somethingElseIsRefusedWithoutItsContent() {
    for (String bad :
        new String[] {
          "", "{}", "[1]", "[{\"status\":\"sent\"}]", "[{\"status\":\"nope\",\"at\":1}]", "[{"
        }) {
      assertThatThrownBy(() -> LedgerCodec.decode(bad.getBytes(StandardCharsets.UTF_8)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("not a ledger entry");
    }
  }
}
