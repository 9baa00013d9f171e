package dev.sluice.gateway.privacy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Iterator;

/**
 * The hash of an audit entry, and the canonical JSON of its details that the hash covers.
 *
 * <p>The hash is SHA-256 over, in order: the tag {@value #TAG}, the previous entry's hash (32
 * bytes), seq and the time in epoch milliseconds (8 bytes each, big-endian), then actor, action,
 * tenant, subject and the canonical details, each as a 4-byte big-endian length followed by its
 * UTF-8 bytes; tenant and subject, which may be absent, are preceded by one byte, 0 for absent (and
 * nothing follows) or 1. Every field has its own length, so no two different entries encode to the
 * same bytes (actor {@code "ab"} with action {@code "c"} is not actor {@code "a"} with action
 * {@code "bc"}, an absent subject is not an empty one).
 *
 * <p>Canonical details: compact JSON with the keys of every object sorted (Jackson's {@code
 * WRITE_PROPERTIES_SORTED}, by UTF-16 code units as {@link String#compareTo}). Values are limited
 * to what survives PostgreSQL's {@code jsonb} and back unchanged: strings without NUL, integers
 * that fit a {@code long}, booleans, null, arrays and objects of those; floating-point numbers are
 * refused (their text could change on the way).
 */
final class AuditChain {
  /** Names the encoding; a future one gets another tag. */
  static final String TAG = "sluice/audit/v1";

  static final int HASH_BYTES = 32;

  /** The prev_hash of the first entry. */
  static final byte[] GENESIS = new byte[HASH_BYTES];

  /** Most bytes of the canonical details: the trail holds small facts, not documents. */
  static final int MAX_DETAILS_BYTES = 8 * 1024;

  private static final JsonMapper MAPPER =
      JsonMapper.builder().enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED).build();

  private AuditChain() {}

  /**
   * The details in canonical form, UTF-8.
   *
   * @throws IllegalArgumentException if a value is of a kind the trail does not keep, or the
   *     details are larger than {@value #MAX_DETAILS_BYTES} bytes
   */
  static byte[] canonical(JsonObject details) {
    try {
      JsonNode tree = MAPPER.readTree(details.encode());
      check(tree, "details");
      byte[] bytes = MAPPER.writeValueAsBytes(tree);
      if (bytes.length > MAX_DETAILS_BYTES) {
        throw new IllegalArgumentException(
            "details are " + bytes.length + " bytes, at most " + MAX_DETAILS_BYTES);
      }
      return bytes;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("details are not JSON: " + e.getOriginalMessage());
    }
  }

  /** The entry's hash: see the class comment for what it covers. */
  static byte[] hash(
      byte[] prevHash,
      long seq,
      long atMillis,
      String actor,
      String action,
      String tenantId,
      String subject,
      byte[] canonicalDetails) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + canonicalDetails.length);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      field(out, TAG.getBytes(StandardCharsets.UTF_8));
      out.write(prevHash);
      out.writeLong(seq);
      out.writeLong(atMillis);
      field(out, utf8(actor));
      field(out, utf8(action));
      optional(out, tenantId);
      optional(out, subject);
      field(out, canonicalDetails);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array does not fail
    }
    return sha256().digest(bytes.toByteArray());
  }

  private static void check(JsonNode node, String path) {
    JsonNodeType type = node.getNodeType();
    switch (type) {
      case OBJECT -> {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
          String name = names.next();
          noNul(name, path);
          check(node.get(name), path + "." + name);
        }
      }
      case ARRAY -> {
        for (int i = 0; i < node.size(); i++) {
          check(node.get(i), path + "[" + i + "]");
        }
      }
      case STRING -> noNul(node.textValue(), path);
      case NUMBER -> {
        if (node.isFloatingPointNumber() || !node.canConvertToLong()) {
          throw new IllegalArgumentException(path + " must be a whole number within a long");
        }
      }
      case BOOLEAN, NULL -> {}
      default -> throw new IllegalArgumentException(path + " is not a JSON value: " + type);
    }
  }

  private static void noNul(String text, String path) {
    if (text.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(path + " contains NUL, which PostgreSQL cannot store");
    }
  }

  private static void field(DataOutputStream out, byte[] value) throws IOException {
    out.writeInt(value.length);
    out.write(value);
  }

  private static void optional(DataOutputStream out, String value) throws IOException {
    if (value == null) {
      out.writeByte(0);
    } else {
      out.writeByte(1);
      field(out, utf8(value));
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
