package dev.sluice.gateway.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class DataKeyTest {
  private static final byte[] BODY =
      "Your code is 482913. Do not share it.".getBytes(StandardCharsets.UTF_8);

  private final DataKey key = new DataKey(random(32));

  @Test
  void sealedValueOpensForTheSameContextOnly() {
    byte[] sealed = key.seal("message:1:body", BODY);

    assertThat(key.open("message:1:body", sealed)).isEqualTo(BODY);
    assertThat(sealed[0]).isEqualTo((byte) 1);
    assertThat(sealed).hasSize(1 + 12 + BODY.length + 16);
    assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("482913");
    assertThatThrownBy(() -> key.open("message:2:body", sealed))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not authenticate");
  }

  @Test
  void anotherTenantsKeyDoesNotOpenIt() {
    byte[] sealed = key.seal("message:1:body", BODY);

    assertThatThrownBy(() -> new DataKey(random(32)).open("message:1:body", sealed))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not authenticate");
  }

  @Test
  void alteredTruncatedOrUnknownVersionIsRefused() {
    byte[] sealed = key.seal("c", BODY);
    for (int i = 0; i < sealed.length; i++) {
      byte[] tampered = sealed.clone();
      tampered[i] ^= 0x01;
      assertThatThrownBy(() -> key.open("c", tampered))
          .as("byte %d flipped", i)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> key.open("c", Arrays.copyOf(sealed, 28)))
        .hasMessageContaining("truncated");
    byte[] v9 = sealed.clone();
    v9[0] = 9;
    assertThatThrownBy(() -> key.open("c", v9)).hasMessageContaining("unknown version");
  }

  @Test
  void printsNoKey() {
    assertThat(key.toString()).isEqualTo("DataKey(***)");
  }

  /**
   * Not a benchmark harness, a measurement to keep an eye on: seal plus open of a 200-byte body,
   * with the thread's own cipher (what {@link DataKey} does) against a {@code Cipher.getInstance}
   * per call. Prints both; asserts only a generous bound, as the machine is shared.
   */
  @Test
  void sealAndOpenOfATwoHundredByteBodyIsCheap() throws Exception {
    byte[] body = random(200);
    byte[] raw = random(32);
    DataKey dk = new DataKey(raw);
    SecretKeySpec spec = new SecretKeySpec(raw, "AES");
    int rounds = 20_000;
    for (int warm = 0; warm < 3; warm++) {
      perCallInstance(spec, body, rounds);
      threadLocal(dk, body, rounds);
    }
    double perCall = perCallInstance(spec, body, rounds);
    double reused = threadLocal(dk, body, rounds);
    System.out.printf(
        "DataKey seal+open of 200 bytes: %.2f µs with the thread's cipher,"
            + " %.2f µs with Cipher.getInstance per call%n",
        reused, perCall);
    assertThat(reused).isLessThan(200.0);
  }

  private static double threadLocal(DataKey dk, byte[] body, int rounds) {
    long start = System.nanoTime();
    for (int i = 0; i < rounds; i++) {
      String context = "message:" + (i & 7) + ":body";
      if (dk.open(context, dk.seal(context, body)).length != body.length) {
        throw new AssertionError();
      }
    }
    return (System.nanoTime() - start) / 1_000.0 / rounds;
  }

  private static double perCallInstance(SecretKeySpec spec, byte[] body, int rounds)
      throws Exception {
    SecureRandom random = new SecureRandom();
    long start = System.nanoTime();
    for (int i = 0; i < rounds; i++) {
      byte[] aad = ("message:" + (i & 7) + ":body").getBytes(StandardCharsets.UTF_8);
      byte[] nonce = new byte[12];
      random.nextBytes(nonce);
      Cipher enc = Cipher.getInstance("AES/GCM/NoPadding");
      enc.init(Cipher.ENCRYPT_MODE, spec, new GCMParameterSpec(128, nonce));
      enc.updateAAD(aad);
      byte[] ct = enc.doFinal(body);
      Cipher dec = Cipher.getInstance("AES/GCM/NoPadding");
      dec.init(Cipher.DECRYPT_MODE, spec, new GCMParameterSpec(128, nonce));
      dec.updateAAD(aad);
      if (dec.doFinal(ct).length != body.length) {
        throw new AssertionError();
      }
    }
    return (System.nanoTime() - start) / 1_000.0 / rounds;
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new SecureRandom().nextBytes(b);
    return b;
  }
}
