package dev.sluice.gateway.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A blocking, one-command-per-connection RESP client for readiness checks.
 *
 * <p>Fixtures use it instead of the Vert.x client so that starting a server needs no {@code Vertx}
 * instance and no event loop. It understands the replies readiness checks get: simple strings,
 * errors, integers and bulk strings.
 */
final class RespProbe {

  private RespProbe() {}

  /**
   * Sends one command to {@code 127.0.0.1:port} and returns the reply as text.
   *
   * @throws IOException if the connection or the read fails or times out
   * @throws RedisErrorReply if the server answers with an error ({@code -ERR ...})
   */
  static String call(int port, Duration timeout, String... command) throws IOException {
    try (Socket socket = new Socket()) {
      int millis = (int) timeout.toMillis();
      socket.connect(new InetSocketAddress(Loopback.ADDRESS, port), millis);
      socket.setSoTimeout(millis);
      OutputStream out = socket.getOutputStream();
      out.write(encode(command));
      out.flush();
      return readReply(new BufferedInputStream(socket.getInputStream()));
    }
  }

  private static byte[] encode(String... command) {
    StringBuilder resp = new StringBuilder().append('*').append(command.length).append("\r\n");
    for (String arg : command) {
      byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
      resp.append('$').append(bytes.length).append("\r\n").append(arg).append("\r\n");
    }
    return resp.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String readReply(InputStream in) throws IOException {
    String line = readLine(in);
    if (line.isEmpty()) {
      throw new IOException("empty reply line");
    }
    String rest = line.substring(1);
    switch (line.charAt(0)) {
      case '+':
      case ':':
        return rest;
      case '-':
        throw new RedisErrorReply(rest);
      case '$':
        int length = Integer.parseInt(rest);
        if (length < 0) {
          return null;
        }
        byte[] body = in.readNBytes(length + 2); // payload + CRLF
        if (body.length != length + 2) {
          throw new EOFException("bulk reply truncated");
        }
        return new String(body, 0, length, StandardCharsets.UTF_8);
      default:
        throw new IOException("unexpected reply type: " + line);
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int previous = -1;
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed before a full reply");
      }
      if (previous == '\r' && b == '\n') {
        byte[] bytes = line.toByteArray();
        return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
      }
      line.write(b);
      previous = b;
    }
  }

  /** An error reply from the server: it is up, but refused the command. */
  static final class RedisErrorReply extends IOException {
    private static final long serialVersionUID = 1L;

    RedisErrorReply(String message) {
      super(message);
    }
  }
}
