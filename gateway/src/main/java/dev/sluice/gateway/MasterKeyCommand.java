package dev.sluice.gateway;

import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.core.StartupException;
import dev.sluice.gateway.db.Database;
import dev.sluice.gateway.privacy.CredentialCipher;
import dev.sluice.gateway.privacy.MasterKeyRotation;
import dev.sluice.gateway.privacy.MasterKeys;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.io.PrintStream;
import java.util.StringJoiner;

/**
 * {@code java -jar sluice-gateway.jar rotate-master-key [--config FILE]}: re-seals everything
 * sealed with a master key under {@code security.masterKey} ({@link MasterKeyRotation}), with the
 * configuration the gateway itself would use, and prints what it re-sealed. Exits 0 when done, 2
 * (one line, nothing changed) when a value opens under none of the configured keys, 1 when
 * PostgreSQL cannot be reached.
 */
final class MasterKeyCommand {
  private MasterKeyCommand() {}

  static int rotate(GatewayConfig config, PrintStream out, PrintStream err) {
    try {
      Database.prepare(config.pg(), config.startup().backendWaitMs());
    } catch (StartupException e) {
      err.println("sluice: rotate-master-key: " + e.getMessage());
      return e.exitCode();
    }
    Vertx vertx = Vertx.vertx();
    Pool pool = Database.pool(vertx, config.pg());
    try {
      CredentialCipher cipher =
          new CredentialCipher(
              MasterKeys.of(config.security().masterKey(), config.security().previousMasterKeys()));
      MasterKeyRotation.Result result = new MasterKeyRotation(vertx, pool, cipher).rotate().await();
      StringJoiner counts = new StringJoiner(", ");
      result.resealed().forEach((column, n) -> counts.add(column.table() + " " + n));
      out.println(
          "master key rotated: re-sealed under key " + result.masterKeyId() + ": " + counts);
      return 0;
    } catch (GatewayException e) {
      err.println("sluice: rotate-master-key: " + e.getMessage());
      return 2;
    } catch (RuntimeException e) {
      err.println("sluice: rotate-master-key: PostgreSQL failed: " + e.getMessage());
      return 1;
    } finally {
      pool.close().await();
      vertx.close().await();
    }
  }
}
