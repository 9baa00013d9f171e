package dev.sluice.gateway.connector.smpp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PartIdsTest {

  @Test
  void everyPartIsFoundWithItsMessagesFirstIdAndItsPlace() {
    PartIds ids = new PartIds(10);
    ids.register("ch", List.of("a", "b", "c"));

    assertThat(ids.find("ch", List.of("c"))).isEqualTo(new PartIds.Part("a", 2));
    assertThat(ids.find("ch", List.of("x", "a"))).isEqualTo(new PartIds.Part("a", 0));
    assertThat(ids.find("ch", List.of("x"))).isNull();
    assertThat(ids.find("another", List.of("a"))).isNull();
  }

  @Test
  void theOldestPartsAreForgottenBeyondTheCapacity() {
    PartIds ids = new PartIds(2);
    ids.register("ch", List.of("a"));
    ids.register("ch", List.of("b"));
    ids.register("ch", List.of("c"));

    assertThat(ids.find("ch", List.of("a"))).isNull();
    assertThat(ids.find("ch", List.of("c"))).isNotNull();
  }
}
