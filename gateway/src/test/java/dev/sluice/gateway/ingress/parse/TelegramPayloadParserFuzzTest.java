package dev.sluice.gateway.ingress.parse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TelegramPayloadParserFuzzTest {

  private final TelegramPayloadParser parser = new TelegramPayloadParser();

  @Test
  void anyBodyGivesWellFormedEventsOrPayloadException() {
    List<Fuzz.Case> cases =
        Fuzz.jsonCases(
            List.of(
                Payloads.bytes("telegram/message.json"),
                Payloads.bytes("telegram/photo.json"),
                Payloads.bytes("telegram/callback-query.json"),
                Payloads.bytes("telegram/big-chat-id.json"),
                Payloads.bytes("telegram/my-chat-member.json")));

    int accepted = Fuzz.assertParsesOrRejects(cases, parser::parse);

    assertThat(cases.size()).isGreaterThan(5000);
    assertThat(accepted).isGreaterThan(1000);
  }
}
