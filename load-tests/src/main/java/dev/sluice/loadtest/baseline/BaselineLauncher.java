package dev.sluice.loadtest.baseline;

import dev.sluice.loadtest.Args;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.ToIntFunction;

/**
 * What every reference server of the kit does to start: one verticle per event loop on a shared
 * port, a line saying where it listens, the port written to {@code --port-file}, and a stop after
 * {@code --max-lifetime-s} (default 3600 s) so that no run leaves one behind.
 */
final class BaselineLauncher {
  private BaselineLauncher() {}

  /**
   * @param verticle builds the verticle of event loop {@code i}
   * @param port the port a started verticle listens on
   * @param what the server's name and details, for the start line
   */
  static <V extends Deployable> void start(
      Args a,
      Vertx vertx,
      int loops,
      String host,
      IntFunction<V> verticle,
      ToIntFunction<V> port,
      String what)
      throws IOException {
    Object[] first = new Object[1];
    int[] next = {0};
    vertx
        .deployVerticle(
            () -> {
              V v = verticle.apply(next[0]++);
              if (first[0] == null) {
                first[0] = v;
              }
              return v;
            },
            new DeploymentOptions().setInstances(loops))
        .await();
    @SuppressWarnings("unchecked")
    int listening = port.applyAsInt((V) first[0]);
    System.out.println(
        what + " listening on http://" + host + ":" + listening + " (" + loops + " event loops)");
    String portFile = a.string("port-file", null);
    if (portFile != null) {
      Files.writeString(Path.of(portFile), Integer.toString(listening));
    }
    vertx.setTimer(
        TimeUnit.SECONDS.toMillis(a.longValue("max-lifetime-s", 3600)), t -> vertx.close());
  }
}
