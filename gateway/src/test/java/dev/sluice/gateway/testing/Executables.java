package dev.sluice.gateway.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds programs on {@code PATH}, with a message that says how to install a missing one. */
final class Executables {

  private Executables() {}

  static Path onPath(String name, String installHint) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String entry : path.split(File.pathSeparator)) {
      if (entry.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(entry, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        name + " is not on PATH (" + path + "): " + installHint + " to run this test");
  }
}
