package dev.sluice.gateway.ingress.parse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StandardPayloadParserFuzzTest {

  private final StandardPayloadParser parser = new StandardPayloadParser();

  @Test
  void anyBodyGivesWellFormedEventsOrPayloadException() {
    List<Fuzz.Case> cases =
        Fuzz.jsonCases(
            List.of(
                Payloads.bytes("standard/message-received.json"),
                Payloads.bytes("standard/status-updated.json")));

    int accepted = Fuzz.assertParsesOrRejects(cases, body -> parser.parse("msg_1", body));

    assertThat(cases.size()).isGreaterThan(2000);
    assertThat(accepted).isGreaterThan(400);
  }
}
