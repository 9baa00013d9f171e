package dev.sluice.gateway.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The last lines of a process log, for failure messages. */
public final class LogTail {

  private LogTail() {}

  /** The last {@code lines} lines of {@code log}, or a note saying why there are none. */
  public static String of(Path log, int lines) {
    if (!Files.exists(log)) {
      return "(no log written)";
    }
    try {
      // Lenient decoding: a failure message must not fail on a stray byte in the log.
      List<String> all =
          new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read the log: " + e + ")";
    }
  }
}
