package dev.sluice.gateway.privacy;

import dev.sluice.gateway.config.Secret;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The master keys a gateway knows: the current one ({@code security.masterKey}), which seals every
 * new value, and the previous ones ({@code security.previousMasterKeys}), which only open values
 * sealed before a rotation. Each key has a short id (the first {@value #ID_BYTES} bytes of
 * HMAC-SHA256(key, "sluice/key-id")) that sealed values carry, so opening picks the right key
 * without trying them all; the id says nothing useful about the key. Immutable, thread-safe.
 */
public final class MasterKeys {
  /** Bytes of a key id in a sealed value. */
  static final int ID_BYTES = 8;

  private static final HexFormat HEX = HexFormat.of();

  /** One master key and its id. */
  record Key(byte[] id, SecretKeySpec spec) {
    boolean hasId(byte[] sealed, int offset) {
      return Arrays.equals(id, 0, ID_BYTES, sealed, offset, offset + ID_BYTES);
    }
  }

  private final Key current;
  private final List<Key> all;

  private MasterKeys(Key current, List<Key> all) {
    this.current = current;
    this.all = all;
  }

  /**
   * @param current base64 of 32 bytes
   * @param previous base64 of 32 bytes each, older keys that may still be needed to open values
   * @throws IllegalArgumentException if a key is not base64 of exactly 32 bytes (the message does
   *     not quote it)
   */
  public static MasterKeys of(Secret current, List<Secret> previous) {
    Key first = key(decode(current, "master key"));
    List<Key> keys = new ArrayList<>();
    keys.add(first);
    for (Secret s : previous) {
      Key k = key(decode(s, "previous master key"));
      if (keys.stream().noneMatch(known -> Arrays.equals(known.id(), k.id()))) {
        keys.add(k);
      }
    }
    return new MasterKeys(first, List.copyOf(keys));
  }

  /** Only the current key. */
  public static MasterKeys of(Secret current) {
    return of(current, List.of());
  }

  /** The id of the current key, as hex: what an operator compares between instances. */
  public String currentId() {
    return HEX.formatHex(current.id());
  }

  Key current() {
    return current;
  }

  /** Every key, the current one first. */
  List<Key> all() {
    return all;
  }

  /** The key whose id a sealed value carries at {@code offset}. */
  Optional<Key> byId(byte[] sealed, int offset) {
    for (Key k : all) {
      if (k.hasId(sealed, offset)) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }

  /** HMAC-SHA256(current key, label): a key derived from the current master key. */
  byte[] deriveFromCurrent(String label) {
    byte[] raw = current.spec().getEncoded();
    try {
      return hmac(raw, label);
    } finally {
      Arrays.fill(raw, (byte) 0);
    }
  }

  /** The 32 bytes of a base64 key setting. */
  static byte[] decode(Secret key, String what) {
    Objects.requireNonNull(key, what);
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(key.reveal());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + " must be base64");
    }
    if (bytes.length != Aead.KEY_BYTES) {
      throw new IllegalArgumentException(
          what + " must be the base64 of 32 bytes, got " + bytes.length + " bytes");
    }
    return bytes;
  }

  private static Key key(byte[] raw) {
    byte[] id = Arrays.copyOf(hmac(raw, "sluice/key-id"), ID_BYTES);
    return new Key(id, Aead.key(raw));
  }

  /** HMAC-SHA256 of a label under a key: how the gateway derives one key from another. */
  static byte[] hmac(byte[] key, String label) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(new SecretKeySpec(key, "HmacSHA256"));
      return m.doFinal(label.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
