package dev.sluice.loadtest.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class WebhookFactoryTest {
  private final Layout layout = new Layout(3, 2, 106_540_352_242_000L, 50);
  private final WebhookFactory factory = new WebhookFactory(layout, "smax", 7, 1_750_000_000L);

  @Test
  void bodyIsAMetaInboundTextWebhookWithTheTaggedWamid() {
    JsonObject value =
        new JsonObject(new String(factory.body(12)))
            .getJsonArray("entry")
            .getJsonObject(0)
            .getJsonArray("changes")
            .getJsonObject(0)
            .getJsonObject("value");
    JsonObject message = value.getJsonArray("messages").getJsonObject(0);
    assertThat(message.getString("id")).isEqualTo("wamid.smax.12");
    assertThat(message.getString("timestamp")).isEqualTo("1750000000");
    assertThat(value.getJsonObject("metadata").getString("phone_number_id"))
        .isEqualTo(layout.phoneNumberId(factory.channelOf(12)));
  }

  @Test
  void redeliveryIsByteForByteTheFirstDelivery() {
    assertThat(factory.body(99)).isEqualTo(factory.body(99));
  }

  @Test
  void messagesSpreadOverEveryChannel() {
    boolean[] seen = new boolean[layout.channels()];
    for (int i = 0; i < 1000; i++) {
      seen[factory.channelOf(i)] = true;
    }
    assertThat(seen).containsOnly(true);
  }
}
