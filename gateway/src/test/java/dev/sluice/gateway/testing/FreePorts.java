package dev.sluice.gateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Finds TCP ports on the loopback interface that nothing listens on. */
public final class FreePorts {

  /** Ports already handed out by this JVM, so two fixtures never get the same one. */
  private static final Set<Integer> ISSUED = ConcurrentHashMap.newKeySet();

  private static final int ATTEMPTS = 50;

  private FreePorts() {}

  /**
   * Returns a port that was free on 127.0.0.1 a moment ago and that this JVM has not handed out
   * before.
   *
   * <p>There is a small race: the port is free when the probe socket closes, but another process
   * may bind it before the caller does. Callers that start a server on the port should treat
   * "address already in use" as a reason to ask for another port, not as a test failure.
   */
  public static int find() {
    for (int i = 0; i < ATTEMPTS; i++) {
      int port = probe();
      if (ISSUED.add(port)) {
        return port;
      }
    }
    throw new IllegalStateException(
        "no free port on 127.0.0.1 after " + ATTEMPTS + " attempts (all already handed out)");
  }

  private static int probe() {
    try (ServerSocket socket = new ServerSocket()) {
      // No SO_REUSEADDR: the kernel then only hands out a port with no socket lingering on it.
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(Loopback.ADDRESS, 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind a probe socket on 127.0.0.1", e);
    }
  }
}
