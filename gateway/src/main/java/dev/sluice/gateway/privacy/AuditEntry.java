package dev.sluice.gateway.privacy;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.HexFormat;

/**
 * One entry of the audit trail, as stored.
 *
 * @param seq its place in the trail: 1, 2, 3, … without gaps
 * @param at when it was appended (PostgreSQL's clock, whole milliseconds)
 * @param actor who acted: {@code operator}, {@code tenant:<id>}, {@code meta:<app>} or {@code
 *     system}
 * @param action what was done, such as {@code api_key.revoked}
 * @param tenantId the tenant it concerns, or {@code null}
 * @param subject the id of what was acted on (a key prefix, a channel id, a job id), or {@code
 *     null}
 * @param details small facts about the action; never a secret or a phone number
 * @param prevHash the hash of the entry before (32 zero bytes for seq 1)
 * @param hash SHA-256 over {@code prevHash} and this entry's fields
 */
public record AuditEntry(
    long seq,
    Instant at,
    String actor,
    String action,
    String tenantId,
    String subject,
    JsonObject details,
    byte[] prevHash,
    byte[] hash) {

  /** The hash as lowercase hex. */
  public String hashHex() {
    return HexFormat.of().formatHex(hash);
  }

  /** The previous entry's hash as lowercase hex. */
  public String prevHashHex() {
    return HexFormat.of().formatHex(prevHash);
  }
}
