package dev.sluice.gateway.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.config.Secret;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class PhoneHasherTest {
  private final Secret master = TestKeys.random();

  @Test
  void hasherFromTheStoredFirstKeyHashesAsGatewaysBeforeDid() {
    PhoneHasher before = new PhoneHasher(master);
    PhoneHasher stored = new PhoneHasher(PhoneHasher.derivedKey(master));

    assertThat(stored.hash("+4915112345678")).isEqualTo(before.hash("+4915112345678"));
    assertThat(stored.hash("+4915112345678")).hasSize(24).matches("[0-9a-f]+");
  }

  @Test
  void theIndexHashIsTheFullHashWhoseFirstTwelveBytesAreTheRedisHash() {
    PhoneHasher hasher = new PhoneHasher(master);

    byte[] index = hasher.indexHash("+4915112345678");

    assertThat(index).hasSize(32);
    assertThat(HexFormat.of().formatHex(index, 0, 12)).isEqualTo(hasher.hash("+4915112345678"));
    assertThat(hasher.indexHash("+4915112345679")).isNotEqualTo(index);
  }

  @Test
  void anotherKeyGivesAnotherHash() {
    assertThat(new PhoneHasher(TestKeys.random()).hash("+4915112345678"))
        .isNotEqualTo(new PhoneHasher(master).hash("+4915112345678"));
  }
}
