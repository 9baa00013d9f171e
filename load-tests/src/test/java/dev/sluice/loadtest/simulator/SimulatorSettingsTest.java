package dev.sluice.loadtest.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SimulatorSettingsTest {

  @Test
  void patchFromCommandLineStringsAndJsonValues() {
    SimulatorSettings s =
        SimulatorSettings.defaults()
            .with(Map.of("whatsappMps", "20", "errorRate", 0.1, "countBy", "recipient-text"));
    assertThat(s.whatsappMps()).isEqualTo(20);
    assertThat(s.errorRate()).isEqualTo(0.1);
    assertThat(s.countBy()).isEqualTo("recipient-text");
  }

  @Test
  void outageWindowsRoundTripThroughJson() {
    JsonArray windows = new JsonArray().add(new JsonObject().put("fromMs", 1000).put("toMs", 2000));
    SimulatorSettings s = SimulatorSettings.defaults().with(Map.of("outages", windows));
    assertThat(s.outages()).containsExactly(new SimulatorSettings.Window(1000, 2000));
    assertThat(SimulatorSettings.defaults().with(s.toJson().getMap())).isEqualTo(s);
  }

  @Test
  void unknownOrInvalidSettingsAreRefusedByName() {
    assertThatThrownBy(() -> SimulatorSettings.defaults().with(Map.of("whatsappMPS", 1)))
        .hasMessageContaining("unknown setting whatsappMPS");
    assertThatThrownBy(() -> SimulatorSettings.defaults().with(Map.of("errorRate", 2)))
        .hasMessageContaining("errorRate must be 0..1");
  }
}
