package dev.sluice.gateway.connector.smpp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PartIdsTest {

  @Test
  void everyPartIsFoundWithItsMessagesFirstIdAndItsPlace() {
    PartIds ids = new PartIds(10);
    ids.register(List.of("a", "b", "c"));

    assertThat(ids.find(List.of("c"))).isEqualTo(new PartIds.Part("a", 2));
    assertThat(ids.find(List.of("x", "a"))).isEqualTo(new PartIds.Part("a", 0));
    assertThat(ids.find(List.of("x"))).isNull();
  }

  @Test
  void theOldestPartsAreForgottenBeyondTheCapacity() {
    PartIds ids = new PartIds(2);
    ids.register(List.of("a"));
    ids.register(List.of("b"));
    ids.register(List.of("c"));

    assertThat(ids.find(List.of("a"))).isNull();
    assertThat(ids.find(List.of("c"))).isNotNull();
  }
}
