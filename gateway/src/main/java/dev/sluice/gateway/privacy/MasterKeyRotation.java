package dev.sluice.gateway.privacy;

import dev.sluice.gateway.core.GatewayException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Master-key rotation: re-seals, under the current master key, every value sealed with a master key
 * ({@link MasterSealed}: tenants' data keys, the phone-index key, Meta app, channel and endpoint
 * secrets), in one transaction. Data sealed with tenants' data keys is not touched: re-wrapping the
 * data keys is what makes it readable under the new master key, whatever its volume.
 *
 * <p>Every value must open under one of the configured keys ({@code security.masterKey}, {@code
 * security.previousMasterKeys}); if one does not, the transaction is rolled back and nothing
 * changes. Rows are locked ({@code FOR UPDATE}) as they are read, so a concurrent change to a
 * secret waits for the rotation instead of being overwritten by it. The directory version is not
 * bumped: what the values decrypt to is unchanged, and instances still running with only the old
 * key keep their snapshots (and cached data keys) until they are restarted with the new one.
 */
public final class MasterKeyRotation {
  /**
   * What a rotation did.
   *
   * @param masterKeyId the id of the key everything is now sealed under ({@link
   *     MasterKeys#currentId})
   * @param resealed rows re-sealed per column
   */
  public record Result(String masterKeyId, Map<MasterSealed, Integer> resealed) {
    public Result {
      resealed = Collections.unmodifiableMap(new EnumMap<>(resealed));
    }
  }

  private record Sealed(String id, byte[] value) {}

  private final Vertx vertx;
  private final Pool pool;
  private final CredentialCipher cipher;

  public MasterKeyRotation(Vertx vertx, Pool pool, CredentialCipher cipher) {
    this.vertx = vertx;
    this.pool = pool;
    this.cipher = cipher;
  }

  /**
   * Re-seals everything under the current master key.
   *
   * @return a Future failed with a {@link GatewayException} of kind {@code CONFLICT} (code {@code
   *     master_key_mismatch}, naming the row) when a value cannot be opened by any configured key,
   *     nothing changed; or with the PostgreSQL error
   */
  public Future<Result> rotate() {
    return pool.withTransaction(
        conn -> {
          Map<MasterSealed, Integer> counts = new EnumMap<>(MasterSealed.class);
          Future<Void> chain = Future.succeededFuture();
          for (MasterSealed column : MasterSealed.values()) {
            chain =
                chain.compose(v -> reseal(conn, column)).map(n -> (Void) record(counts, column, n));
          }
          return chain.map(v -> new Result(cipher.keys().currentId(), counts));
        });
  }

  private static Void record(Map<MasterSealed, Integer> counts, MasterSealed column, int n) {
    counts.put(column, n);
    return null;
  }

  private Future<Integer> reseal(SqlConnection conn, MasterSealed column) {
    return conn.query(
            "SELECT "
                + column.idColumn()
                + " AS id, "
                + column.column()
                + " AS sealed FROM "
                + column.table()
                + " ORDER BY 1 FOR UPDATE")
        .execute()
        .compose(rows -> vertx.executeBlocking(() -> resealAll(column, rows)))
        .compose(
            resealed -> {
              if (resealed.isEmpty()) {
                return Future.succeededFuture(0);
              }
              String[] ids = new String[resealed.size()];
              Buffer[] values = new Buffer[resealed.size()];
              for (int i = 0; i < ids.length; i++) {
                ids[i] = resealed.get(i).id();
                values[i] = Buffer.buffer(resealed.get(i).value());
              }
              return conn.preparedQuery(
                      "UPDATE "
                          + column.table()
                          + " AS t SET "
                          + column.column()
                          + " = v.sealed FROM unnest($1::text[], $2::bytea[]) AS v(id, sealed)"
                          + " WHERE t."
                          + column.idColumn()
                          + " = v.id")
                  .execute(Tuple.tuple().addArrayOfString(ids).addArrayOfBuffer(values))
                  .map(RowSet::rowCount);
            });
  }

  /** Opens and seals again each value (CPU only; run off the event loop). */
  private List<Sealed> resealAll(MasterSealed column, RowSet<Row> rows) {
    List<Sealed> out = new ArrayList<>(rows.size());
    for (Row r : rows) {
      String id = r.getString("id");
      String context = column.context(id);
      byte[] plain;
      try {
        plain = cipher.decrypt(context, r.getBuffer("sealed").getBytes());
      } catch (IllegalArgumentException e) {
        throw GatewayException.conflict(
            "master_key_mismatch",
            column.table()
                + "."
                + column.column()
                + " of '"
                + id
                + "' cannot be opened with any configured master key ("
                + e.getMessage()
                + "); nothing was changed: add the key it was sealed with to"
                + " security.previousMasterKeys");
      }
      try {
        out.add(new Sealed(id, cipher.encrypt(context, plain)));
      } finally {
        java.util.Arrays.fill(plain, (byte) 0);
      }
    }
    return out;
  }
}
