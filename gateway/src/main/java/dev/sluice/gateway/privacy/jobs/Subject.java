package dev.sluice.gateway.privacy.jobs;

import dev.sluice.gateway.outbound.PhoneNumbers;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * The person a privacy job is about: a phone number (E.164) or a provider's user id (a Telegram
 * chat id, a Messenger page-scoped id, a Meta app-scoped id). The gateway keys an end user by the
 * address it saw, so both are matched the same way: by the keyed hash of {@link #key()}, which
 * names the person's conversations, partition, rate and pacing state.
 *
 * @param phone the number in E.164, or {@code null}
 * @param userId the provider's id, or {@code null}
 */
record Subject(String phone, String userId) {
  Subject {
    if ((phone == null) == (userId == null)) {
      throw new IllegalArgumentException("a subject is a phone number or a user id");
    }
  }

  static Subject phone(String e164) {
    return new Subject(Objects.requireNonNull(e164), null);
  }

  static Subject user(String id) {
    return new Subject(null, Objects.requireNonNull(id));
  }

  /**
   * What the gateway hashes for this person: a number's digits without {@code +} (as ingress keys
   * an end user and the send API a recipient), or the id as it is.
   */
  String key() {
    return phone != null ? PhoneNumbers.digits(phone) : userId;
  }

  /**
   * How the message history names this person as a recipient (the address the provider was called
   * with): the E.164 number, or the id.
   */
  List<String> recipients() {
    return List.of(phone != null ? phone : userId);
  }

  /** The person as the export document and the sealed job row hold them. */
  JsonObject json() {
    return phone != null
        ? new JsonObject().put("phone", phone)
        : new JsonObject().put("userId", userId);
  }

  /** Never the address: a subject must not end up in a log line. */
  @Override
  public String toString() {
    return phone != null ? "Subject[phone]" : "Subject[userId]";
  }

  /** The UTF-8 of {@link #json()}, to be sealed. */
  byte[] bytes() {
    return json().encode().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * @throws IllegalArgumentException when the bytes are not a subject this class wrote
   */
  static Subject of(byte[] bytes) {
    try {
      JsonObject o = new JsonObject(new String(bytes, StandardCharsets.UTF_8));
      return new Subject(o.getString("phone"), o.getString("userId"));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a privacy job's subject");
    }
  }
}
