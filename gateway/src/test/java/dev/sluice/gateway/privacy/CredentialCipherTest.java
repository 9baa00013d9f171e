package dev.sluice.gateway.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.gateway.config.Secret;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class CredentialCipherTest {
  private static final byte[] PLAINTEXT =
      "{\"botToken\":\"123:abc\"}".getBytes(StandardCharsets.UTF_8);

  private final CredentialCipher cipher = new CredentialCipher(randomKey());

  @Test
  void sealedValueOpensToThePlaintextForTheSameRow() {
    byte[] sealed = cipher.encrypt("acme-tg", PLAINTEXT);

    assertThat(cipher.decrypt("acme-tg", sealed)).isEqualTo(PLAINTEXT);
  }

  @Test
  void sealedValueIsVersionNonceThenCiphertextWithTag() {
    byte[] sealed = cipher.encrypt("acme-tg", PLAINTEXT);

    assertThat(sealed[0]).isEqualTo((byte) 1);
    assertThat(sealed).hasSize(1 + 12 + PLAINTEXT.length + 16);
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
          .hasMessageContaining("does not authenticate");
    }
  }

  @Test
  void changedVersionByteIsRefused() {
    byte[] sealed = cipher.encrypt("acme-tg", PLAINTEXT);
    sealed[0] = 2;

    assertThatThrownBy(() -> cipher.decrypt("acme-tg", sealed))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown version");
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
    byte[] sealed = new CredentialCipher(randomKey()).encrypt("acme-tg", PLAINTEXT);

    assertThatThrownBy(() -> cipher.decrypt("acme-tg", sealed))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not authenticate");
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

  private static Secret randomKey() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return Secret.of(Base64.getEncoder().encodeToString(key));
  }
}
