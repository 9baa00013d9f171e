package dev.sluice.gateway.ledger;

import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The monthly partitions of the message history ({@code messages} by {@code created_at}, {@code
 * message_events} and {@code message_bodies} by {@code message_created_at}; migrations V18, V19): a
 * month of each is named {@code <table>_YYYYMM} and holds the messages created in that month (UTC)
 * with their history and bodies, so retention removes a month by dropping tables instead of
 * deleting its rows one by one — the bodies first, the rest when the history expires.
 *
 * <p>Months are created ahead ({@link #ensure}); a row whose month does not exist yet lands in the
 * table's default partition, and is moved into its month when that month is created. Safe to call
 * from several instances at once: creating a month that exists or dropping one that is gone is
 * nothing.
 */
public final class HistoryPartitions {
  /** The partitioned tables, each with a default partition {@code <table>_default}. */
  static final List<String> TABLES = List.of("messages", "message_events", "message_bodies");

  private static final DateTimeFormatter SUFFIX = DateTimeFormatter.ofPattern("yyyyMM");
  private static final String CHECK_VIOLATION = "23514";
  private static final String DUPLICATE_TABLE = "42P07";
  private static final String UNIQUE_VIOLATION = "23505";

  private final Pool pool;

  public HistoryPartitions(Pool pool) {
    this.pool = pool;
  }

  /** Creates the months from {@code now}'s through {@code monthsAhead} months later, if missing. */
  public Future<Void> ensure(Instant now, int monthsAhead) {
    YearMonth first = YearMonth.from(now.atZone(ZoneOffset.UTC));
    Future<Void> done = Future.succeededFuture();
    for (int i = 0; i <= monthsAhead; i++) {
      YearMonth month = first.plusMonths(i);
      for (String table : TABLES) {
        done = done.compose(v -> create(table, month));
      }
    }
    return done;
  }

  /**
   * Drops the history of the months that ended at or before {@code cutoff}: messages, their status
   * history and their bodies.
   *
   * @return the months dropped, oldest first
   */
  public Future<List<YearMonth>> dropBefore(Instant cutoff) {
    // Bodies and events first: a month's messages are never gone while the rest remains.
    return dropBefore("messages", cutoff, List.of("message_bodies", "message_events", "messages"));
  }

  /**
   * Drops the bodies of the months that ended at or before {@code cutoff}; their messages stay.
   *
   * @return the months whose bodies were dropped, oldest first
   */
  public Future<List<YearMonth>> dropBodiesBefore(Instant cutoff) {
    return dropBefore("message_bodies", cutoff, List.of("message_bodies"));
  }

  private Future<List<YearMonth>> dropBefore(String listed, Instant cutoff, List<String> tables) {
    YearMonth limit = YearMonth.from(cutoff.atZone(ZoneOffset.UTC)); // its month has not ended
    return months(listed)
        .compose(
            months -> {
              List<YearMonth> expired = new ArrayList<>();
              for (YearMonth m : months) {
                if (m.isBefore(limit)) {
                  expired.add(m);
                }
              }
              Future<Void> done = Future.succeededFuture();
              for (YearMonth m : expired) {
                for (String table : tables) {
                  done = done.compose(v -> drop(table, m));
                }
              }
              return done.map(v -> expired);
            });
  }

  /** The months of the history ({@code messages}) that exist, oldest first. */
  public Future<List<YearMonth>> months() {
    return months("messages");
  }

  /** The months of one of the {@link #TABLES} that exist, oldest first. */
  public Future<List<YearMonth>> months(String table) {
    return pool.preparedQuery(
            """
            SELECT c.relname FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = to_regclass($1)
            """)
        .execute(io.vertx.sqlclient.Tuple.of(table))
        .map(
            rows -> {
              TreeSet<YearMonth> months = new TreeSet<>();
              for (Row r : rows) {
                YearMonth m = month(r.getString(0));
                if (m != null) {
                  months.add(m);
                }
              }
              return new ArrayList<>(months);
            });
  }

  private Future<Void> create(String table, YearMonth month) {
    String name = name(table, month);
    String bounds = bounds(month);
    return pool.query(
            "CREATE TABLE IF NOT EXISTS " + name + " PARTITION OF " + table + " " + bounds)
        .execute()
        .<Void>mapEmpty()
        .recover(
            e -> {
              if (is(e, DUPLICATE_TABLE) || is(e, UNIQUE_VIOLATION)) {
                return Future.succeededFuture(); // another instance created it meanwhile
              }
              return is(e, CHECK_VIOLATION)
                  ? moveOutOfDefault(table, month)
                  : Future.failedFuture(e);
            });
  }

  /**
   * Creates the month when its rows are already in the default partition: a table of the same shape
   * filled with them, then attached, in one transaction.
   */
  private Future<Void> moveOutOfDefault(String table, YearMonth month) {
    String name = name(table, month);
    String key = table.equals("messages") ? "created_at" : "message_created_at";
    if (!TABLES.contains(table)) {
      throw new IllegalArgumentException("not a history table: " + table);
    }
    String from = "'" + month.atDay(1) + " 00:00:00+00'";
    String to = "'" + month.plusMonths(1).atDay(1) + " 00:00:00+00'";
    return pool.withTransaction(
        conn ->
            conn.query(
                    "CREATE TABLE "
                        + name
                        + " (LIKE "
                        + table
                        + " INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
                .execute()
                .compose(
                    v ->
                        conn.query(
                                "WITH moved AS (DELETE FROM "
                                    + table
                                    + "_default WHERE "
                                    + key
                                    + " >= "
                                    + from
                                    + " AND "
                                    + key
                                    + " < "
                                    + to
                                    + " RETURNING *) INSERT INTO "
                                    + name
                                    + " SELECT * FROM moved")
                            .execute())
                .compose(
                    v ->
                        conn.query(
                                "ALTER TABLE "
                                    + table
                                    + " ATTACH PARTITION "
                                    + name
                                    + " "
                                    + bounds(month))
                            .execute())
                .mapEmpty());
  }

  private Future<Void> drop(String table, YearMonth month) {
    return pool.query("DROP TABLE IF EXISTS " + name(table, month)).execute().mapEmpty();
  }

  static String name(String table, YearMonth month) {
    return table + "_" + month.format(SUFFIX);
  }

  private static String bounds(YearMonth month) {
    return "FOR VALUES FROM ('"
        + month.atDay(1)
        + " 00:00:00+00') TO ('"
        + month.plusMonths(1).atDay(1)
        + " 00:00:00+00')";
  }

  /** The month of a partition named by {@link #name}, or {@code null} (the default partition). */
  static YearMonth month(String relname) {
    int underscore = relname.lastIndexOf('_');
    String suffix = relname.substring(underscore + 1);
    if (suffix.length() != 6 || !suffix.chars().allMatch(Character::isDigit)) {
      return null;
    }
    return YearMonth.parse(suffix, SUFFIX);
  }

  private static boolean is(Throwable e, String sqlState) {
    return e instanceof PgException pg && sqlState.equals(pg.getSqlState());
  }
}
