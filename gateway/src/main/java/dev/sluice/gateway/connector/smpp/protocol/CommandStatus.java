package dev.sluice.gateway.connector.smpp.protocol;

import java.util.Map;

/**
 * The SMPP 3.4 command_status values (§5.1.3) the client meets, and how a refused submit_sm is
 * classified: throttled (the client pauses the bind and retries), permanent (the same PDU would be
 * refused again) or retryable (anything else, including vendor-specific codes 0x400..0x4FF: a
 * refused PDU was not accepted, so a later attempt cannot duplicate it).
 */
final class CommandStatus {
  static final int ESME_ROK = 0x00;
  static final int ESME_RINVMSGLEN = 0x01;
  static final int ESME_RINVCMDLEN = 0x02;
  static final int ESME_RINVCMDID = 0x03;
  static final int ESME_RINVBNDSTS = 0x04;
  static final int ESME_RSYSERR = 0x08;
  static final int ESME_RMSGQFUL = 0x14;
  static final int ESME_RTHROTTLED = 0x58;

  /**
   * "ESME Receiver Temporary App Error": the answer to a deliver_sm the gateway could not store.
   */
  static final int ESME_RX_T_APPN = 0x64;

  private static final Map<Integer, String> NAMES =
      Map.ofEntries(
          Map.entry(0x00, "ESME_ROK"),
          Map.entry(0x01, "ESME_RINVMSGLEN"),
          Map.entry(0x02, "ESME_RINVCMDLEN"),
          Map.entry(0x03, "ESME_RINVCMDID"),
          Map.entry(0x04, "ESME_RINVBNDSTS"),
          Map.entry(0x05, "ESME_RALYBND"),
          Map.entry(0x06, "ESME_RINVPRTFLG"),
          Map.entry(0x07, "ESME_RINVREGDLVFLG"),
          Map.entry(0x08, "ESME_RSYSERR"),
          Map.entry(0x0A, "ESME_RINVSRCADR"),
          Map.entry(0x0B, "ESME_RINVDSTADR"),
          Map.entry(0x0C, "ESME_RINVMSGID"),
          Map.entry(0x0D, "ESME_RBINDFAIL"),
          Map.entry(0x0E, "ESME_RINVPASWD"),
          Map.entry(0x0F, "ESME_RINVSYSID"),
          Map.entry(0x11, "ESME_RCANCELFAIL"),
          Map.entry(0x13, "ESME_RREPLACEFAIL"),
          Map.entry(0x14, "ESME_RMSGQFUL"),
          Map.entry(0x15, "ESME_RINVSERTYP"),
          Map.entry(0x33, "ESME_RINVNUMDESTS"),
          Map.entry(0x34, "ESME_RINVDLNAME"),
          Map.entry(0x40, "ESME_RINVDESTFLAG"),
          Map.entry(0x42, "ESME_RINVSUBREP"),
          Map.entry(0x43, "ESME_RINVESMCLASS"),
          Map.entry(0x44, "ESME_RCNTSUBDL"),
          Map.entry(0x45, "ESME_RSUBMITFAIL"),
          Map.entry(0x48, "ESME_RINVSRCTON"),
          Map.entry(0x49, "ESME_RINVSRCNPI"),
          Map.entry(0x50, "ESME_RINVDSTTON"),
          Map.entry(0x51, "ESME_RINVDSTNPI"),
          Map.entry(0x53, "ESME_RINVSYSTYP"),
          Map.entry(0x54, "ESME_RINVREPFLAG"),
          Map.entry(0x55, "ESME_RINVNUMMSGS"),
          Map.entry(0x58, "ESME_RTHROTTLED"),
          Map.entry(0x61, "ESME_RINVSCHED"),
          Map.entry(0x62, "ESME_RINVEXPIRY"),
          Map.entry(0x63, "ESME_RINVDFTMSGID"),
          Map.entry(0x64, "ESME_RX_T_APPN"),
          Map.entry(0x65, "ESME_RX_P_APPN"),
          Map.entry(0x66, "ESME_RX_R_APPN"),
          Map.entry(0x67, "ESME_RQUERYFAIL"),
          Map.entry(0xC0, "ESME_RINVOPTPARSTREAM"),
          Map.entry(0xC1, "ESME_ROPTPARNOTALLWD"),
          Map.entry(0xC2, "ESME_RINVPARLEN"),
          Map.entry(0xC3, "ESME_RMISSINGOPTPARAM"),
          Map.entry(0xC4, "ESME_RINVOPTPARAMVAL"),
          Map.entry(0xFE, "ESME_RDELIVERYFAILURE"),
          Map.entry(0xFF, "ESME_RUNKNOWNERR"));

  /**
   * Refusals that describe the message itself (its length, addresses, flags, schedule, optional
   * parameters) or a permanent receiver refusal: sending the same PDU again cannot succeed.
   */
  private static final int[] PERMANENT = {
    0x01, 0x02, 0x03, 0x06, 0x07, 0x0A, 0x0B, 0x0C, 0x15, 0x33, 0x34, 0x40, 0x42, 0x43, 0x44, 0x48,
    0x49, 0x50, 0x51, 0x53, 0x54, 0x55, 0x61, 0x62, 0x63, 0x65, 0xC0, 0xC1, 0xC2, 0xC3, 0xC4
  };

  private CommandStatus() {}

  static boolean isThrottle(int status) {
    return status == ESME_RTHROTTLED || status == ESME_RMSGQFUL;
  }

  static boolean isPermanent(int status) {
    for (int p : PERMANENT) {
      if (p == status) {
        return true;
      }
    }
    return false;
  }

  /** "ESME_RINVDSTADR (0x0B)", or "0x0401" for a value the specification does not name. */
  static String describe(int status) {
    String name = NAMES.get(status);
    String hex = String.format("0x%02X", status);
    return name == null ? hex : name + " (" + hex + ")";
  }
}
