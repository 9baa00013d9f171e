package dev.sluice.gateway.connector.smpp.protocol;

/**
 * A PDU that cannot be read or written, with the command_status that tells the peer why. Expected
 * on bad input, so it carries no stack trace.
 */
final class PduException extends RuntimeException {
  private final int status;

  PduException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  int status() {
    return status;
  }
}
