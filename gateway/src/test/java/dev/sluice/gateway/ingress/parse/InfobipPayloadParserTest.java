package dev.sluice.gateway.ingress.parse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.sluice.gateway.core.EventKind;
import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.core.Provider;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class InfobipPayloadParserTest {

  /** 2019-11-09T16:00:00Z. */
  private static final long NOV_9_2019_1600 = 1573315200L;

  private final InfobipPayloadParser parser = new InfobipPayloadParser();

  private static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void inboundSmsIsAMessageFromTheSender() {
    List<InboundEvent> events = parser.parse(Payloads.bytes("infobip/mo.json"));

    assertThat(events).hasSize(1);
    InboundEvent e = events.get(0);
    assertThat(e.provider()).isEqualTo(Provider.INFOBIP);
    assertThat(e.kind()).isEqualTo(EventKind.MESSAGE);
    assertThat(e.dedupId()).isEqualTo("817790313235066447");
    assertThat(e.providerMessageId()).isEqualTo("817790313235066447");
    assertThat(e.endUser()).isEqualTo("385916242493");
    // Infobip writes numbers without '+'; events carry the E.164 a reply takes.
    assertThat(e.from()).isEqualTo("+385916242493");
    assertThat(e.to()).isEqualTo("+385921004026");
    assertThat(e.type()).isEqualTo("text");
    assertThat(e.text()).isEqualTo("QUIZ Correct answer is Paris");
    assertThat(e.timestamp()).isEqualTo(1475746119L); // 2016-10-06T09:28:39.220Z
    assertThat(e.raw()).startsWith("{\"messageId\":\"817790313235066447\"");
  }

  @Test
  void v3DeliveryReportIsADeliveredStatusWithoutError() {
    InboundEvent e = parser.parse(Payloads.bytes("infobip/dlr-v3.json")).get(0);

    assertThat(e.kind()).isEqualTo(EventKind.STATUS);
    assertThat(e.dedupId()).isEqualTo("MESSAGE-ID-123-xyz:DELIVERED");
    assertThat(e.status()).isEqualTo("delivered");
    assertThat(e.endUser()).isEqualTo("41793026727");
    assertThat(e.from()).isEqualTo("InfoSMS");
    assertThat(e.to()).isEqualTo("+41793026727");
    assertThat(e.messageId()).isEqualTo("0b1e3a0c-5f7e-4c2a-9d3b-6a1f2e4d8c70");
    assertThat(e.errorCode()).isNull();
    assertThat(e.timestamp()).isEqualTo(NOV_9_2019_1600);
    assertThat(e.type()).isNull();
  }

  @Test
  void v2DeliveryReportWithOkErrorGroupIsDelivered() {
    InboundEvent e = parser.parse(Payloads.bytes("infobip/dlr-v2.json")).get(0);

    assertThat(e.dedupId()).isEqualTo("MESSAGE-ID-456-abc:DELIVERED");
    assertThat(e.errorCode()).isNull();
    assertThat(e.from()).isNull();
    // callbackData that is not our reference (the tenant's own) names no message.
    assertThat(e.messageId()).isNull();
    assertThat(e.timestamp()).isEqualTo(NOV_9_2019_1600 + 300);
  }

  @Test
  void bulkReportGivesOneStatusPerResultWithErrorsOnFailures() {
    List<InboundEvent> events = parser.parse(Payloads.bytes("infobip/dlr-bulk.json"));

    assertThat(events)
        .extracting(InboundEvent::dedupId, InboundEvent::status, InboundEvent::errorCode)
        .containsExactly(
            tuple("MSG-1:DELIVERED", "delivered", null),
            tuple("MSG-2:PENDING", "sent", null),
            tuple("MSG-3:UNDELIVERABLE", "failed", "1"),
            tuple("MSG-4:EXPIRED", "failed", "27"),
            tuple("MSG-5:REJECTED", "failed", null));
  }

  @Test
  void v3ReportNamingTheDestinationStillFindsTheEndUser() {
    byte[] body =
        json(
            "{\"results\":[{\"messageId\":\"m\",\"destination\":\"+41793026727\","
                + "\"status\":{\"groupName\":\"ACCEPTED\"}}]}");

    InboundEvent e = parser.parse(body).get(0);

    assertThat(e.endUser()).isEqualTo("41793026727");
    assertThat(e.status()).isEqualTo("sent");
  }

  @Test
  void timestampsInOtherIsoFormsOrUnparseableAreToleratedAs0() {
    assertThat(Timestamps.isoToSeconds("2019-11-09T16:00:00.000+0000")).isEqualTo(NOV_9_2019_1600);
    assertThat(Timestamps.isoToSeconds("2019-11-09T18:00:00+02:00")).isEqualTo(NOV_9_2019_1600);
    assertThat(Timestamps.isoToSeconds("2019-11-09T16:00:00Z")).isEqualTo(NOV_9_2019_1600);
    assertThat(Timestamps.isoToSeconds("2019-11-09T16:00:00.123456")).isEqualTo(NOV_9_2019_1600);
    assertThat(Timestamps.isoToSeconds("2019-11-09 16:00")).isZero();
    assertThat(Timestamps.isoToSeconds("2019-13-45T99:99:99.000+9999")).isZero();
    assertThat(Timestamps.isoToSeconds("")).isZero();
    assertThat(Timestamps.isoToSeconds(null)).isZero();

    byte[] body =
        json(
            "{\"results\":[{\"messageId\":\"m\",\"from\":\"1\",\"text\":\"hi\","
                + "\"receivedAt\":\"last tuesday\"}]}");
    assertThat(parser.parse(body).get(0).timestamp()).isZero();
  }

  @Test
  void unknownStatusGroupAndUnrecognisedResultsAreSkipped() {
    byte[] body =
        json(
            "{\"results\":[{\"messageId\":\"a\",\"status\":{\"groupName\":\"LOST_IN_SPACE\"}},"
                + "{\"messageId\":\"b\",\"price\":{}}]}");

    assertThat(parser.parse(body)).isEmpty();
  }

  @Test
  void resultWithoutMessageIdRejectsTheBody() {
    byte[] body = json("{\"results\":[{\"to\":\"1\",\"status\":{\"groupName\":\"DELIVERED\"}}]}");

    assertThatThrownBy(() -> parser.parse(body))
        .isInstanceOf(PayloadException.class)
        .hasMessage("result without messageId");
  }

  @Test
  void bodyWithoutResultsArrayIsRejected() {
    for (String body : List.of("{}", "{\"results\":{}}", "{\"results\":[1]}", "[]", "x")) {
      assertThatThrownBy(() -> parser.parse(json(body)))
          .as(body)
          .isInstanceOf(PayloadException.class);
    }
  }
}
