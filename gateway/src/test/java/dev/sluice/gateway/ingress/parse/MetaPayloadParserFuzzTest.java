package dev.sluice.gateway.ingress.parse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MetaPayloadParserFuzzTest {

  private final MetaPayloadParser parser = new MetaPayloadParser();

  @Test
  void anyBodyGivesWellFormedEventsOrPayloadException() {
    List<Fuzz.Case> cases =
        Fuzz.jsonCases(
            List.of(
                Payloads.bytes("meta/whatsapp-batch.json"),
                Payloads.bytes("meta/whatsapp-statuses.json"),
                Payloads.bytes("meta/whatsapp-interactive.json"),
                Payloads.bytes("meta/messenger.json"),
                Payloads.bytes("meta/instagram.json")));

    int accepted = Fuzz.assertParsesOrRejects(cases, parser::parse);

    assertThat(cases.size()).isGreaterThan(5000);
    assertThat(accepted).isGreaterThan(1000);
  }
}
