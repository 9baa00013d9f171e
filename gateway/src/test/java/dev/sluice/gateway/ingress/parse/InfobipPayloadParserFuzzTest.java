package dev.sluice.gateway.ingress.parse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class InfobipPayloadParserFuzzTest {

  private final InfobipPayloadParser parser = new InfobipPayloadParser();

  @Test
  void anyBodyGivesWellFormedEventsOrPayloadException() {
    List<Fuzz.Case> cases =
        Fuzz.jsonCases(
            List.of(
                Payloads.bytes("infobip/mo.json"),
                Payloads.bytes("infobip/dlr-v3.json"),
                Payloads.bytes("infobip/dlr-v2.json"),
                Payloads.bytes("infobip/dlr-bulk.json")));

    int accepted = Fuzz.assertParsesOrRejects(cases, parser::parse);

    assertThat(cases.size()).isGreaterThan(5000);
    assertThat(accepted).isGreaterThan(1000);
  }
}
