package dev.sluice.gateway.connector.smpp;

import dev.sluice.gateway.connector.smpp.protocol.DeliveryReceipt;
import dev.sluice.gateway.connector.smpp.protocol.MobileOriginated;
import dev.sluice.gateway.connector.smpp.protocol.SmppAddress;
import dev.sluice.gateway.core.EventKind;
import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.core.Provider;
import io.vertx.core.json.JsonObject;
import java.util.Locale;

/**
 * Receipts and mobile-originated messages as {@link InboundEvent}s, the shape every provider's
 * webhooks take.
 *
 * <p>Receipt states (SMPP 3.4 appendix B and the message_state TLV, section 5.3.2.35): DELIVRD is
 * delivered; UNDELIV, REJECTD, EXPIRED and DELETED are failed, with the receipt's {@code err} as
 * the error code (the state when it has none); ENROUTE and ACCEPTD are sent; UNKNOWN says nothing
 * and is not recorded.
 */
final class SmppEvents {
  /** SMPP 3.4 section 5.2.5: type of number 1 = international (the digits are E.164). */
  static final int TON_INTERNATIONAL = 1;

  private SmppEvents() {}

  /** The normalised status of a receipt state, or {@code null} for UNKNOWN and anything else. */
  static String status(String state) {
    if (state == null) {
      return null;
    }
    return switch (state.toUpperCase(Locale.ROOT)) {
      case "DELIVRD" -> "delivered";
      case "UNDELIV", "REJECTD", "EXPIRED", "DELETED" -> "failed";
      case "ENROUTE", "ACCEPTD" -> "sent";
      default -> null;
    };
  }

  /**
   * A receipt as a status event of message {@code providerMessageId}.
   *
   * @return {@code null} when the receipt's state is not one a message status follows from
   */
  static InboundEvent receipt(DeliveryReceipt r, String providerMessageId) {
    String status = status(r.state());
    if (status == null) {
      return null;
    }
    boolean failed = status.equals("failed");
    String error = r.error() == null || r.error().isBlank() ? null : r.error().trim();
    JsonObject raw =
        new JsonObject()
            .put("id", r.messageId())
            .put("stat", r.state())
            .put("err", r.error())
            .put("doneAt", r.doneAt() == null ? null : r.doneAt().toString());
    return new InboundEvent(
        Provider.SMPP,
        null,
        EventKind.STATUS,
        providerMessageId + ":" + r.state(),
        r.source() == null ? null : digits(r.source()),
        // As every provider's status events: from our sender, to the recipient (the receipt's
        // source is the handset that received our message).
        r.destination() == null ? null : address(r.destination()),
        r.source() == null ? null : address(r.source()),
        providerMessageId,
        r.doneAt() == null ? 0 : r.doneAt().getEpochSecond(),
        null,
        null,
        status,
        failed ? (error != null ? error : r.state()) : null,
        raw.encode(),
        failed ? r.state() : null,
        null,
        null);
  }

  /** A mobile-originated text as an inbound message event. */
  static InboundEvent message(MobileOriginated mo) {
    JsonObject raw =
        new JsonObject()
            .put("source", json(mo.source()))
            .put("destination", json(mo.destination()))
            .put("text", mo.text());
    return new InboundEvent(
        Provider.SMPP,
        null,
        EventKind.MESSAGE,
        mo.dedupKey(),
        digits(mo.source()),
        address(mo.source()),
        address(mo.destination()),
        null,
        0,
        "text",
        mo.text(),
        null,
        null,
        raw.encode());
  }

  /**
   * The address as the API shows phone numbers: E.164 with {@code +} when its type of number is
   * international, else as the SMSC gave it (a short code, an alphanumeric sender).
   */
  static String address(SmppAddress a) {
    String digits = digits(a);
    return a.ton() == TON_INTERNATIONAL && digits != null && !digits.isEmpty()
        ? "+" + digits
        : a.address();
  }

  /** The conversation key: the address without a leading {@code +}, {@code null} when blank. */
  private static String digits(SmppAddress a) {
    String s = a.address().trim();
    if (s.startsWith("+")) {
      s = s.substring(1);
    }
    return s.isEmpty() ? null : s;
  }

  private static JsonObject json(SmppAddress a) {
    return new JsonObject().put("ton", a.ton()).put("npi", a.npi()).put("address", a.address());
  }
}
