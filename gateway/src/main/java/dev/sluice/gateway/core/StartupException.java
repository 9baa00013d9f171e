package dev.sluice.gateway.core;

/**
 * The gateway cannot start; the message is one line naming what is wrong and what to do. Main
 * prints it and exits with {@link #exitCode()}: 1 when a backend is unreachable or fails (it may
 * work on the next try), 2 when a setting must change first (as for an invalid configuration).
 */
public final class StartupException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  /** A backend problem: exit code 1. */
  public StartupException(String oneLine) {
    this(oneLine, 1);
  }

  private StartupException(String oneLine, int exitCode) {
    super(oneLine, null, false, false);
    this.exitCode = exitCode;
  }

  /** A problem only a configuration change solves: exit code 2. */
  public static StartupException misconfigured(String oneLine) {
    return new StartupException(oneLine, 2);
  }

  public int exitCode() {
    return exitCode;
  }
}
