package dev.sluice.gateway.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;

/** The IPv4 loopback address the fixtures bind to, and a reachability check. */
final class Loopback {

  /** 127.0.0.1, not {@code localhost}: that may resolve to ::1, where the servers do not listen. */
  static final InetAddress ADDRESS = ipv4Loopback();

  static final String HOST = "127.0.0.1";

  private Loopback() {}

  /** True if something accepts a TCP connection on {@code host:port} within {@code timeout}. */
  static boolean accepts(String host, int port, Duration timeout) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static InetAddress ipv4Loopback() {
    try {
      return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    } catch (UnknownHostException e) {
      throw new AssertionError("a literal address never needs resolving", e);
    }
  }
}
