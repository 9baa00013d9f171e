package dev.sluice.gateway.privacy.jobs;

import dev.sluice.gateway.privacy.AuditLog;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import java.util.Map;

/**
 * Where privacy jobs are recorded as they are requested, downloaded and as they end: the audit
 * trail. Every such moment goes through {@link #record}, inside the PostgreSQL transaction that
 * writes it to the job's row, so the moment and its record commit together or not at all: a job
 * cannot be asked for, nor an export handed out, without a trace. {@link #NONE} records nothing.
 */
@FunctionalInterface
public interface JobTrail {
  /** Records nothing. */
  JobTrail NONE = (tx, entry) -> Future.succeededFuture();

  /**
   * Records each moment in the audit trail: the job's id as the subject, the counts as details (a
   * failed append fails the moment's transaction, as {@link #record} asks).
   */
  static JobTrail audited(AuditLog audit) {
    return (tx, e) -> {
      JsonObject counts = new JsonObject();
      e.counts().forEach(counts::put);
      return audit
          .append(
              tx, e.actor(), e.action(), e.tenantId(), e.jobId(), counts.isEmpty() ? null : counts)
          .mapEmpty();
    };
  }

  /**
   * One moment of a job.
   *
   * @param action {@code erasure.requested}, {@code erasure.completed}, {@code erasure.failed},
   *     {@code export.requested}, {@code export.completed}, {@code export.failed} or {@code
   *     export.downloaded}
   * @param actor who asked: {@code tenant:<id>}, {@code operator} or {@code meta:<app>}; {@code
   *     system} for a job's end
   * @param counts what an erasure removed per store, or an export listed (empty when requested);
   *     never the person's address or data
   */
  record Entry(
      String action, String actor, String tenantId, String jobId, Map<String, Long> counts) {}

  /**
   * Records one moment.
   *
   * @param tx the transaction that writes the moment to the job's row; the record is its last
   *     statement
   * @return fails when the record cannot be written: the transaction is then rolled back, and the
   *     request fails (the implementation's exception decides its answer, 503 for an {@code
   *     unavailable} one) or the job's end is tried again later
   */
  Future<Void> record(SqlConnection tx, Entry entry);
}
