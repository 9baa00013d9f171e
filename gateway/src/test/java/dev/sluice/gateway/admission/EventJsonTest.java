package dev.sluice.gateway.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.core.EventKind;
import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.core.Provider;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EventJsonTest {
  private final EventJson json = new EventJson();

  /** What admission stored before: a JsonObject of the fields, encoded. */
  private static byte[] asJsonObject(String channel, InboundEvent e, long receivedAt) {
    JsonObject o =
        new JsonObject()
            .put("channel", channel)
            .put("provider", e.provider().wireName())
            .put("kind", e.kind().wireName())
            .put("from", e.from())
            .put("to", e.to())
            .put("providerMessageId", e.providerMessageId())
            .put("timestamp", e.timestamp())
            .put("type", e.type())
            .put("text", e.text())
            .put("status", e.status())
            .put("errorCode", e.errorCode());
    if (e.kind() == EventKind.STATUS) {
      o.put("messageId", e.messageId());
    }
    if (e.profileName() != null) {
      o.put("profileName", e.profileName());
    }
    return o.put("receivedAt", receivedAt).encode().getBytes(StandardCharsets.UTF_8);
  }

  private static InboundEvent message(String text) {
    return new InboundEvent(
        Provider.WHATSAPP,
        "1065",
        EventKind.MESSAGE,
        "wamid.A",
        "1650",
        "1650",
        "1555",
        "wamid.A",
        1749416383L,
        "text",
        text,
        null,
        null,
        "{}");
  }

  @Test
  void eventJsonIsByteForByteWhatTheJsonObjectEncodedTo() {
    String[] texts = {
      "plain",
      "quote \" backslash \\ slash /",
      "control \n\t\r\b\f\u0001\u001f",
      "café 😀 \u2028",
      "lone \ud83d surrogate",
      "",
      null
    };
    for (String text : texts) {
      InboundEvent e = message(text);
      assertThat(new String(json.write("wa-1", e, 1749416384123L), StandardCharsets.UTF_8))
          .isEqualTo(new String(asJsonObject("wa-1", e, 1749416384123L), StandardCharsets.UTF_8));
      assertThat(json.write("wa-1", e, 1L)).isEqualTo(asJsonObject("wa-1", e, 1L));
    }
  }

  @Test
  void anEventCheckedForKeywordsCarriesOptOutBeforeReceivedAt() {
    InboundEvent e = message("STOP");
    String expected =
        new String(asJsonObject("tw-1", e, 7L), StandardCharsets.UTF_8)
            .replace(",\"receivedAt\"", ",\"optOut\":%s,\"receivedAt\"");

    assertThat(
            new String(
                json.write("tw-1", e, OptKeyword.optOut("STOP"), 7L), StandardCharsets.UTF_8))
        .isEqualTo(expected.formatted("true"));
    assertThat(
            new String(
                json.write("tw-1", e, OptKeyword.optIn("START"), 7L), StandardCharsets.UTF_8))
        .isEqualTo(expected.formatted("false"));
    assertThat(new String(json.write("tw-1", e, OptKeyword.NONE, 7L), StandardCharsets.UTF_8))
        .isEqualTo(expected.formatted("false"));
    assertThat(json.write("tw-1", e, null, 7L)).isEqualTo(asJsonObject("tw-1", e, 7L));
  }

  @Test
  void statusEventKeepsItsNullFields() {
    InboundEvent status =
        new InboundEvent(
            Provider.WHATSAPP,
            "1065",
            EventKind.STATUS,
            "wamid.A:failed",
            "1650",
            "1555",
            "1650",
            "wamid.A",
            0,
            null,
            null,
            "failed",
            "131047",
            "{}");

    assertThat(json.write("wa-1", status, 5L)).isEqualTo(asJsonObject("wa-1", status, 5L));
    assertThat(new String(json.write("wa-1", status, 5L), StandardCharsets.UTF_8))
        .contains("\"messageId\":null");
  }

  @Test
  void aStatusNamesOurMessageAndAMessageItsSendersProfileName() {
    InboundEvent status =
        new InboundEvent(
                Provider.WHATSAPP,
                "1065",
                EventKind.STATUS,
                "wamid.A:read",
                "1650",
                "+1555",
                "+1650",
                "wamid.A",
                0,
                null,
                null,
                "read",
                null,
                "{}")
            .withMessageId("0b1e3a0c-5f7e-4c2a-9d3b-6a1f2e4d8c70");
    InboundEvent named =
        new InboundEvent(
            Provider.WHATSAPP,
            "1065",
            EventKind.MESSAGE,
            "wamid.B",
            "1650",
            "+1650",
            "+1555",
            "wamid.B",
            0,
            "text",
            "hi",
            null,
            null,
            "{}",
            null,
            null,
            "Sheena");

    assertThat(json.write("wa-1", status, 5L)).isEqualTo(asJsonObject("wa-1", status, 5L));
    assertThat(new String(json.write("wa-1", status, 5L), StandardCharsets.UTF_8))
        .contains("\"messageId\":\"0b1e3a0c-5f7e-4c2a-9d3b-6a1f2e4d8c70\"");
    assertThat(new String(json.write("wa-1", named, 5L), StandardCharsets.UTF_8))
        .contains("\"profileName\":\"Sheena\",\"receivedAt\":5");
  }
}
