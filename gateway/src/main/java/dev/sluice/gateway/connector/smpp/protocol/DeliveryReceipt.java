package dev.sluice.gateway.connector.smpp.protocol;

import java.time.Instant;
import java.util.List;

/**
 * A delivery receipt read from a deliver_sm or data_sm.
 *
 * @param messageId receipted_message_id TLV (0x001E) if present, else the id: of the text
 * @param state DELIVRD EXPIRED DELETED UNDELIV ACCEPTD UNKNOWN REJECTD ENROUTE (from the
 *     message_state TLV 0x0427 if present, else stat: of the text)
 * @param error err: of the text, or the network_error_code TLV, may be null
 * @param source the receipt's source = our message's recipient
 * @param destination the receipt's destination
 * @param doneAt done date: (YYMMDDhhmm[ss]) read as UTC, null if absent
 */
public record DeliveryReceipt(
    String messageId,
    String state,
    String error,
    SmppAddress source,
    SmppAddress destination,
    Instant doneAt) {

  /**
   * The forms this id may have been given in submit_sm_resp: itself, and the hex<->decimal
   * conversions where they parse (SMSCs differ: hex in the response, decimal in the receipt).
   */
  public List<String> idCandidates() {
    throw new UnsupportedOperationException("not yet");
  }
}
