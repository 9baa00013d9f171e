package dev.sluice.gateway;

import dev.sluice.gateway.config.ConfigException;
import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.core.StartupException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar sluice-gateway.jar [--config FILE]}: load and validate the configuration, start
 * the gateway, and stop it gracefully on SIGTERM. Exits 2 on an invalid configuration (every
 * problem listed) or a Redis namespace that belongs to another database, and 1 when a backend is
 * unreachable (one line naming it), before any port is bound.
 *
 * <p>{@code java -jar sluice-gateway.jar rotate-master-key [--config FILE]} re-seals everything
 * sealed with a master key under the current one and exits ({@link MasterKeyCommand}).
 */
public final class Main {
  static final String DEFAULT_CONFIG = "config/gateway.yaml";

  private Main() {}

  public static void main(String[] args) {
    int code = run(args);
    if (code != 0 || (args.length > 0 && args[0].equals("rotate-master-key"))) {
      System.exit(code);
    }
  }

  /**
   * Starts the gateway; returns 0 when it runs, or the exit code when it cannot start. With {@code
   * rotate-master-key}: rotates and returns its exit code.
   */
  static int run(String[] args) {
    Path configFile = Path.of(DEFAULT_CONFIG);
    boolean rotate = args.length > 0 && args[0].equals("rotate-master-key");
    for (int i = rotate ? 1 : 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        configFile = Path.of(args[++i]);
      } else if (args[i].startsWith("--config=")) {
        configFile = Path.of(args[i].substring("--config=".length()));
      } else {
        System.err.println(
            "usage: sluice-gateway [rotate-master-key] [--config FILE]   (unknown argument "
                + args[i]
                + ")");
        return 2;
      }
    }

    ConfigLoader.Loaded loaded;
    try {
      loaded = ConfigLoader.load(configFile, System.getenv());
    } catch (ConfigException e) {
      System.err.println("sluice: " + configFile + ": " + e.getMessage());
      return 2;
    }
    Logging.configure(loaded.config().log());
    Logger log = LoggerFactory.getLogger(Main.class);
    loaded.warnings().forEach(log::warn);
    if (rotate) {
      return MasterKeyCommand.rotate(loaded.config(), System.out, System.err);
    }

    Gateway gateway;
    try {
      gateway = Gateway.start(loaded.config());
    } catch (StartupException e) {
      log.error("cannot start: {}", e.getMessage());
      return e.exitCode();
    }
    long graceMs = loaded.config().http().shutdownGraceMs();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("shutting down: draining in-flight requests (up to {} ms)", graceMs);
                  try {
                    gateway
                        .close()
                        .toCompletionStage()
                        .toCompletableFuture()
                        .get(graceMs + 5_000, TimeUnit.MILLISECONDS);
                    log.info("stopped");
                  } catch (Exception e) {
                    log.warn("shutdown did not complete cleanly: {}", e.toString());
                  }
                },
                "sluice-shutdown"));
    return 0;
  }
}
