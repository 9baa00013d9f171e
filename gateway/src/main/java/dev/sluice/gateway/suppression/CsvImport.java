package dev.sluice.gateway.suppression;

import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.outbound.PhoneNumbers;
import dev.sluice.gateway.suppression.SuppressionStore.Add;
import dev.sluice.gateway.suppression.SuppressionStore.Added;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * One {@code POST /v1/suppressions/import}: reads the CSV body as it arrives ({@link CsvReader}),
 * checks each row, and adds the good ones in batches of {@link #BATCH} rows, one function call per
 * tenant partition, pausing the request while a batch is written. Memory holds one batch, never the
 * body. The header row names the columns: {@code phone} (required), {@code channel} and {@code
 * reason} (optional), in any order and case. Used on the request's event loop only.
 */
final class CsvImport {
  /** Rows written per step. */
  static final int BATCH = 500;

  /** Refused rows listed in the answer at most (all are counted). */
  static final int MAX_LISTED = 100;

  /** Longest reason kept, in characters. */
  static final int MAX_REASON = 500;

  private static final int MAX_FIELD_BYTES = 2048;
  private static final int MAX_FIELDS = 16;

  /** A body past the import limit: answered 413, with what was imported before it. */
  static final class TooLarge extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooLarge(String message) {
      super(message, null, false, false);
    }
  }

  private final HttpServerRequest request;
  private final String tenantId;
  private final Suppressions suppressions;
  private final Function<String, String> channels;
  private final long maxBytes;
  private final Promise<JsonObject> done = Promise.promise();
  private final CsvReader csv;

  private Map<String, Integer> columns;
  private List<Row> pending = new ArrayList<>();
  private long bytes;
  private boolean writing;
  private boolean ended;
  private long added;
  private long alreadyPresent;
  private long rejectedCount;
  private final JsonArray rejected = new JsonArray();

  /** A row checked good: its entry and the row number, to report a refusal by the store. */
  private record Row(long number, Suppressions.Target target, String reason) {}

  CsvImport(
      HttpServerRequest request,
      String tenantId,
      Suppressions suppressions,
      Function<String, String> channels,
      long maxBytes) {
    this.request = request;
    this.tenantId = tenantId;
    this.suppressions = suppressions;
    this.channels = channels;
    this.maxBytes = maxBytes;
    this.csv = new CsvReader(this::record, MAX_FIELD_BYTES, MAX_FIELDS);
  }

  /**
   * Reads the body and imports it.
   *
   * @param channels checks a row's channel: {@code null} when it may be used, else why not
   * @return the counts {@code {"added","alreadyPresent","rejectedCount","rejected":[{"row",
   *     "reason"}]}}; fails with a {@link GatewayException} 400 for a body that is no CSV with a
   *     {@code phone} column (nothing written) and 503 when Redis failed, or with {@link TooLarge}
   *     past {@code maxBytes} (in both cases the rows before are imported: importing again adds
   *     only what is missing)
   */
  Future<JsonObject> run() {
    request.handler(this::chunk);
    request.endHandler(v -> end());
    request.exceptionHandler(
        e -> fail(GatewayException.malformed("bad_request", "the body broke off")));
    return done.future();
  }

  private void chunk(Buffer chunk) {
    if (finished()) {
      return;
    }
    bytes += chunk.length();
    if (bytes > maxBytes) {
      fail(
          new TooLarge(
              "the body is larger than "
                  + maxBytes
                  + " bytes: the import stopped there ("
                  + summary()
                  + " so far); import the file in parts (rows present are counted as"
                  + " alreadyPresent)"));
      return;
    }
    try {
      csv.feed(chunk.getBytes());
    } catch (GatewayException e) {
      fail(e);
      return;
    }
    if (pending.size() >= BATCH && !writing) {
      write();
    }
  }

  private void end() {
    if (finished()) {
      return;
    }
    try {
      csv.finish();
    } catch (GatewayException e) {
      fail(e);
      return;
    }
    if (columns == null) {
      fail(noHeader());
      return;
    }
    ended = true;
    if (!writing) {
      write();
    }
  }

  // ---- rows ----

  private void record(long number, List<String> fields, String problem) {
    if (finished()) {
      return;
    }
    if (columns == null) {
      columns = header(fields, problem);
      return;
    }
    if (fields.stream().allMatch(String::isBlank) && problem == null) {
      return; // a blank line
    }
    if (problem != null) {
      reject(number, problem);
      return;
    }
    if (fields.size() > columns.size()) {
      reject(number, "the row has more fields than the header");
      return;
    }
    String phone = field(fields, "phone");
    if (phone.isEmpty()) {
      reject(number, "phone is empty");
      return;
    }
    String e164;
    try {
      e164 = PhoneNumbers.e164(phone);
    } catch (PhoneNumbers.Refused e) {
      reject(number, "phone " + e.getMessage());
      return;
    }
    String channel = field(fields, "channel");
    if (channel.isEmpty()) {
      channel = null;
    } else {
      String refusal = channels.apply(channel);
      if (refusal != null) {
        reject(number, refusal);
        return;
      }
    }
    String reason = field(fields, "reason");
    if (reason.length() > MAX_REASON) {
      reject(number, "reason is longer than " + MAX_REASON + " characters");
      return;
    }
    pending.add(
        new Row(number, suppressions.target(e164, channel), reason.isEmpty() ? null : reason));
  }

  private Map<String, Integer> header(List<String> fields, String problem) {
    if (problem != null) {
      throw GatewayException.malformed("bad_request", "the header row cannot be read: " + problem);
    }
    Map<String, Integer> out = new HashMap<>();
    for (int i = 0; i < fields.size(); i++) {
      String name = fields.get(i).strip().toLowerCase(Locale.ROOT);
      if (!List.of("phone", "channel", "reason").contains(name)) {
        throw GatewayException.malformed(
            "bad_request",
            "the header row names an unknown column '"
                + fields.get(i).strip()
                + "' (phone, channel and reason are read)");
      }
      if (out.put(name, i) != null) {
        throw GatewayException.malformed(
            "bad_request", "the header row names the column " + name + " twice");
      }
    }
    if (!out.containsKey("phone")) {
      throw noHeader();
    }
    return out;
  }

  private String field(List<String> fields, String column) {
    Integer i = columns.get(column);
    return i == null || i >= fields.size() ? "" : fields.get(i).strip();
  }

  private void reject(long row, String reason) {
    rejectedCount++;
    if (rejected.size() < MAX_LISTED) {
      rejected.add(new JsonObject().put("row", row).put("reason", reason));
    }
  }

  // ---- writing ----

  /** Writes the pending rows, the request paused meanwhile; then reads on, or answers. */
  private void write() {
    if (pending.isEmpty()) {
      if (ended) {
        done.tryComplete(counts());
      }
      return;
    }
    List<Row> batch = pending;
    pending = new ArrayList<>();
    writing = true;
    if (!ended) {
      request.pause();
    }
    Map<Integer, List<Row>> byPartition = new HashMap<>();
    for (Row r : batch) {
      byPartition.computeIfAbsent(r.target().partition(), p -> new ArrayList<>()).add(r);
    }
    List<Future<Void>> calls = new ArrayList<>(byPartition.size());
    byPartition.forEach((partition, rows) -> calls.add(write(partition, rows)));
    Future.all(calls)
        .onComplete(
            ar -> {
              writing = false;
              if (ar.failed()) {
                fail(
                    GatewayException.unavailable(
                        "unavailable",
                        "the gateway cannot store suppressions right now ("
                            + summary()
                            + " before that); import the file again later: rows present are"
                            + " counted as alreadyPresent",
                        5));
                return;
              }
              if (ended || pending.size() >= BATCH) {
                write();
              } else if (!finished()) {
                request.resume();
              }
            });
  }

  private Future<Void> write(int partition, List<Row> rows) {
    List<Add> adds = new ArrayList<>(rows.size());
    for (Row r : rows) {
      adds.add(new Add(r.target().member(), r.reason()));
    }
    return suppressions
        .putAll(tenantId, partition, Suppressions.Source.IMPORT, adds)
        .map(
            answers -> {
              for (Added a : answers) {
                if (a.added()) {
                  added++;
                } else {
                  alreadyPresent++;
                }
              }
              return null;
            });
  }

  // ---- the answer ----

  private boolean finished() {
    return done.future().isComplete();
  }

  private void fail(RuntimeException e) {
    if (done.tryFail(e)) {
      request.resume(); // let the rest of the body drain; the answer closes the connection
    }
  }

  private JsonObject counts() {
    return new JsonObject()
        .put("added", added)
        .put("alreadyPresent", alreadyPresent)
        .put("rejectedCount", rejectedCount)
        .put("rejected", rejected);
  }

  private String summary() {
    return added + " added, " + alreadyPresent + " already present";
  }

  private static GatewayException noHeader() {
    return GatewayException.malformed(
        "bad_request",
        "the body must be CSV whose first row names the columns, one of them phone"
            + " (phone,channel,reason)");
  }
}
