package dev.sluice.gateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Backstop that kills fixture processes and deletes their directories when the JVM exits.
 *
 * <p>Fixtures close themselves in normal operation; this catches what a failed test, a missing
 * {@code close()} or an interrupted run leaves behind, so no {@code redis-server} outlives the
 * build. It cannot help against {@code kill -9} of the JVM itself.
 */
public final class ProcessReaper {

  private static final Set<Process> PROCESSES = ConcurrentHashMap.newKeySet();
  private static final Set<Path> DIRECTORIES = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(ProcessReaper::reapAll, "sluice-test-process-reaper"));
  }

  private ProcessReaper() {}

  /** Kills {@code process} when the JVM exits, unless it was {@link #forget forgotten} first. */
  public static void watch(Process process) {
    PROCESSES.add(process);
  }

  /** The process ended or was stopped by its owner: nothing left to reap. */
  public static void forget(Process process) {
    PROCESSES.remove(process);
  }

  static void watch(Path directory) {
    DIRECTORIES.add(directory);
  }

  static void forget(Path directory) {
    DIRECTORIES.remove(directory);
  }

  /** Deletes a directory tree; a directory that is already gone is fine. */
  static void deleteTree(Path directory) {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      paths.sorted(Comparator.reverseOrder()).forEach(ProcessReaper::deleteOne);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + directory, e);
    }
  }

  private static void deleteOne(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + path, e);
    }
  }

  private static void reapAll() {
    // SIGKILL: the JVM is going away, and nothing these servers hold is worth a clean shutdown.
    PROCESSES.forEach(Process::destroyForcibly);
    for (Process process : PROCESSES) {
      try {
        process.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    for (Path directory : DIRECTORIES) {
      try {
        deleteTree(directory);
      } catch (UncheckedIOException e) {
        // Best effort at exit: a leftover temp directory is harmless, a hook that throws is noise.
      }
    }
  }
}
