package dev.sluice.gateway.privacy.jobs;

import io.vertx.core.Future;
import java.util.Map;

/**
 * Where privacy jobs are recorded as they are requested and as they end: the audit trail. Every
 * such moment of a job goes through {@link #record}, and a request is answered only once its record
 * is written, so a job cannot be asked for without a trace. {@link #NONE} records nothing.
 */
@FunctionalInterface
public interface JobTrail {
  /** Records nothing. */
  JobTrail NONE = entry -> Future.succeededFuture();

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
   * @return fails when the record cannot be written: the request is then answered 503
   */
  Future<Void> record(Entry entry);
}
