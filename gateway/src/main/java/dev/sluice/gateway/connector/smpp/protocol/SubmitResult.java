package dev.sluice.gateway.connector.smpp.protocol;

import java.util.List;

/**
 * The outcome of one {@link SmppClient#submit}: never a failed Future, always one of these.
 *
 * @param status the outcome class
 * @param messageIds submit_sm_resp message_id of each accepted part, in part order
 * @param commandStatus the SMPP command_status of the failing part, 0 when OK
 * @param detail short text for the ledger (no recipient, no body)
 */
public record SubmitResult(
    Status status, List<String> messageIds, int commandStatus, String detail) {

  public SubmitResult {
    messageIds = List.copyOf(messageIds);
  }

  /** The outcome classes of a submit. */
  public enum Status {
    /** Every part was accepted. */
    OK,
    /** A part stayed throttled (0x58/0x14) for longer than maxThrottleWait. */
    THROTTLED,
    /** A part failed in a way a later attempt may cure; nothing of it was accepted. */
    RETRYABLE,
    /** A part was refused for good (bad address, bad length, ...). */
    PERMANENT,
    /** A part was written but not answered in time: it may have been accepted; never resent. */
    UNKNOWN,
    /** No bind was up: nothing was written. */
    NOT_BOUND
  }
}
