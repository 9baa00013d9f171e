package dev.sluice.gateway.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.gateway.config.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class CredentialCipherTest {
  private static final byte[] PLAINTEXT =
      "{\"botToken\":\"123:abc\"}".getBytes(StandardCharsets.UTF_8);

  private final CredentialCipher cipher = new CredentialCipher(TestKeys.random());

  @Test
  void sealedValueOpensToThePlaintextForTheSameRow() {
    byte[] sealed = cipher.encrypt("acme-tg", PLAINTEXT);

    assertThat(cipher.decrypt("acme-tg", sealed)).isEqualTo(PLAINTEXT);
  }

  @Test
  void sealedValueIsVersionKeyIdNonceThenCiphertextWithTag() {
    byte[] sealed = cipher.encrypt("acme-tg", PLAINTEXT);

    assertThat(sealed[0]).isEqualTo((byte) 2);
    assertThat(HexFormat.of().formatHex(sealed, 1, 9)).isEqualTo(cipher.keys().currentId());
    assertThat(sealed).hasSize(1 + 8 + 12 + PLAINTEXT.length + 16);
    assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("botToken");
  }

  @Test
  void sealingTheSameValueTwiceGivesDifferentBytes() {
    assertThat(cipher.encrypt("acme-tg", PLAINTEXT))
        .isNotEqualTo(cipher.encrypt("acme-tg", PLAINTEXT));
  }

  @Test
  void anyAlteredByteIsDetected() {
    byte[] sealed = cipher.encrypt("acme-tg", PLAINTEXT);
    for (int i = 1; i < sealed.length; i++) {
      byte[] tampered = sealed.clone();
      tampered[i] ^= 0x01;

      assertThatThrownBy(() -> cipher.decrypt("acme-tg", tampered))
          .as("byte %d flipped", i)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(i <= 8 ? "not configured" : "does not authenticate");
    }
  }

  @Test
  void changedVersionByteIsRefused() {
    byte[] sealed = cipher.encrypt("acme-tg", PLAINTEXT);
    sealed[0] = 3;

    assertThatThrownBy(() -> cipher.decrypt("acme-tg", sealed))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown version");

    sealed[0] = 1; // read as a version-1 value: the key id becomes nonce, nothing authenticates
    assertThatThrownBy(() -> cipher.decrypt("acme-tg", sealed))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not authenticate");
  }

  // ---- version 1 (before key ids) and rotation ----

  @Test
  void versionOneValueOfEarlierGatewaysStillOpens() throws Exception {
    Secret key = TestKeys.random();
    byte[] v1 = TestKeys.sealVersionOne(key, "acme-tg", PLAINTEXT);

    assertThat(new CredentialCipher(key).decrypt("acme-tg", v1)).isEqualTo(PLAINTEXT);
    assertThatThrownBy(() -> new CredentialCipher(key).decrypt("evil-tg", v1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not authenticate");
  }

  @Test
  void afterRotationValuesOfThePreviousKeyOpenAndNewOnesUseTheCurrentKey() throws Exception {
    Secret a = TestKeys.random();
    Secret b = TestKeys.random();
    byte[] v1UnderA = TestKeys.sealVersionOne(a, "acme-tg", PLAINTEXT);
    byte[] v2UnderA = new CredentialCipher(a).encrypt("acme-tg", PLAINTEXT);
    CredentialCipher rotated = new CredentialCipher(MasterKeys.of(b, List.of(a)));

    assertThat(rotated.decrypt("acme-tg", v1UnderA)).isEqualTo(PLAINTEXT);
    assertThat(rotated.decrypt("acme-tg", v2UnderA)).isEqualTo(PLAINTEXT);
    byte[] resealed = rotated.encrypt("acme-tg", PLAINTEXT);
    assertThat(new CredentialCipher(b).decrypt("acme-tg", resealed)).isEqualTo(PLAINTEXT);
    assertThatThrownBy(() -> new CredentialCipher(a).decrypt("acme-tg", resealed))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not configured");
    assertThat(rotated.keys().currentId()).isEqualTo(new CredentialCipher(b).keys().currentId());
  }

  @Test
  void valueUnderAKeyNoLongerConfiguredIsRefusedWithoutQuotingAnyKey() throws Exception {
    Secret a = TestKeys.random();
    Secret b = TestKeys.random();
    Secret c = TestKeys.random();
    byte[] v2UnderA = new CredentialCipher(a).encrypt("acme-tg", PLAINTEXT);
    byte[] v1UnderA = TestKeys.sealVersionOne(a, "acme-tg", PLAINTEXT);
    CredentialCipher withoutA = new CredentialCipher(MasterKeys.of(b, List.of(c)));

    for (byte[] sealed : List.of(v2UnderA, v1UnderA)) {
      assertThatThrownBy(() -> withoutA.decrypt("acme-tg", sealed))
          .isInstanceOf(IllegalArgumentException.class)
          .satisfies(
              e ->
                  assertThat(e.getMessage())
                      .doesNotContain(a.reveal())
                      .doesNotContain(b.reveal())
                      .doesNotContain(c.reveal()));
    }
  }

  @Test
  void previousKeyThatIsNotThirtyTwoBytesIsRefusedWithoutQuotingIt() {
    String shortKey = Base64.getEncoder().encodeToString(new byte[16]);

    assertThatThrownBy(() -> MasterKeys.of(TestKeys.random(), List.of(Secret.of(shortKey))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("previous master key must be the base64 of 32 bytes")
        .hasMessageNotContaining(shortKey);
  }

  @Test
  void truncatedValueIsRefused() {
    assertThatThrownBy(() -> cipher.decrypt("acme-tg", new byte[20]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("truncated");
  }

  @Test
  void valueMovedToAnotherRowDoesNotOpen() {
    byte[] sealed = cipher.encrypt("acme-tg", PLAINTEXT);

    assertThatThrownBy(() -> cipher.decrypt("evil-tg", sealed))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> cipher.decrypt("meta-app:acme-tg", sealed))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void valueSealedUnderAnotherKeyDoesNotOpen() {
    byte[] sealed = new CredentialCipher(TestKeys.random()).encrypt("acme-tg", PLAINTEXT);

    assertThatThrownBy(() -> cipher.decrypt("acme-tg", sealed))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sealed under a master key that is not configured");
  }

  @Test
  void emptyPlaintextRoundTrips() {
    assertThat(cipher.decrypt("x", cipher.encrypt("x", new byte[0]))).isEmpty();
  }

  @Test
  void keyThatIsNotThirtyTwoBytesIsRefusedWithoutQuotingIt() {
    String shortKey = Base64.getEncoder().encodeToString(new byte[16]);

    assertThatThrownBy(() -> new CredentialCipher(Secret.of(shortKey)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("32 bytes")
        .hasMessageNotContaining(shortKey);
    assertThatThrownBy(() -> new CredentialCipher(Secret.of("not base64!")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("not base64!");
  }

  @Test
  void oneCipherServesManyThreadsAtOnce() throws Exception {
    Thread[] threads = new Thread[8];
    Throwable[] failures = new Throwable[threads.length];
    for (int t = 0; t < threads.length; t++) {
      int index = t;
      threads[t] =
          new Thread(
              () -> {
                try {
                  for (int i = 0; i < 500; i++) {
                    String row = "row-" + index + "-" + i;
                    byte[] value = (row + "-secret").getBytes(StandardCharsets.UTF_8);
                    assertThat(cipher.decrypt(row, cipher.encrypt(row, value))).isEqualTo(value);
                  }
                } catch (Throwable e) {
                  failures[index] = e;
                }
              });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(failures).containsOnlyNulls();
  }
}
