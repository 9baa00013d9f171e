package dev.sluice.gateway;

/**
 * The gateway cannot start; the message is one line naming what is wrong and what to do. Main
 * prints it and exits non-zero.
 */
public final class StartupException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StartupException(String oneLine) {
    super(oneLine, null, false, false);
  }
}
