package dev.sluice.gateway.privacy.jobs;

import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.privacy.DataKey;
import dev.sluice.gateway.privacy.PhoneHasher;
import dev.sluice.gateway.privacy.TenantKeys;
import dev.sluice.gateway.privacy.jobs.Job.Kind;
import dev.sluice.gateway.privacy.jobs.Job.Requester;
import dev.sluice.gateway.privacy.jobs.Job.Status;
import dev.sluice.gateway.privacy.jobs.PrivacyRepository.Deletion;
import dev.sluice.gateway.privacy.jobs.PrivacyRepository.NewJob;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Takes privacy requests: creates erasure and export jobs (their subject sealed, never stored in
 * clear; the request recorded in the {@link JobTrail} before it is answered), shows them, hands out
 * an export's document once, and turns Meta's data-deletion callback into erasures. The jobs
 * themselves run in the background ({@link PrivacyJobs}). Stateless: one instance serves every
 * event loop.
 */
public final class PrivacyRequests {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Random bytes of a confirmation code (144 bits: not to be guessed). */
  static final int CODE_BYTES = 18;

  private final PrivacyRepository repository;
  private final TenantKeys keys;
  private final PhoneHasher hasher;
  private final JobTrail trail;

  /**
   * @param keys the tenants' data keys: a job's subject and an export's document are sealed with
   *     the tenant's, so a master-key rotation keeps them readable and a tenant's deletion shreds
   *     them
   */
  public PrivacyRequests(Pool pool, TenantKeys keys, PhoneHasher hasher, JobTrail trail) {
    this.repository = new PrivacyRepository(pool, hasher);
    this.keys = keys;
    this.hasher = hasher;
    this.trail = trail;
  }

  /**
   * Creates a job, due at once, and records the request in the trail in the same transaction.
   *
   * @param actor who asked, as the trail names them
   */
  Future<Job> request(String tenantId, Kind kind, Subject subject, Requester by, String actor) {
    return keys.key(tenantId)
        .compose(
            key -> {
              NewJob created = newJob(key, tenantId, kind, subject, by, null);
              return repository.transaction(
                  tx ->
                      repository
                          .create(tx, created)
                          .compose(
                              job ->
                                  trail
                                      .record(tx, job.trail("requested", actor, Map.of()))
                                      .map(job)));
            });
  }

  private NewJob newJob(
      DataKey key, String tenantId, Kind kind, Subject subject, Requester by, String code) {
    UUID id = UUID.randomUUID();
    return new NewJob(
        id,
        tenantId,
        kind,
        by,
        hasher.indexHash(subject.key()),
        key.seal(Job.subjectContext(id), subject.bytes()),
        code);
  }

  /**
   * A tenant's job of one kind.
   *
   * @return fails with 404 {@code not_found} when the tenant has no such job
   */
  Future<Job> job(String tenantId, Kind kind, UUID id) {
    return repository
        .find(tenantId, kind, id)
        .map(found -> found.orElseThrow(() -> notFound(kind)));
  }

  /**
   * An export's document, once: the first download takes it, and it is gone after that or after its
   * time ran out.
   *
   * @return the JSON document's bytes; fails with 404 {@code not_found} (no such export), 409
   *     {@code export_not_ready} (not completed yet) or 410 {@code export_gone}
   */
  Future<byte[]> download(String tenantId, UUID id, String actor) {
    JobTrail.Entry downloaded =
        new JobTrail.Entry("export.downloaded", actor, tenantId, id.toString(), Map.of());
    // The status first: an export completing between a look for its document and a look at its
    // status would otherwise read as gone before anyone downloaded it.
    return job(tenantId, Kind.EXPORT, id)
        .compose(
            job ->
                job.status() != Status.COMPLETED
                    ? Future.failedFuture(
                        GatewayException.conflict(
                            "export_not_ready",
                            "the export is " + job.status().wire + ": not ready yet"))
                    : keys.key(tenantId))
        .compose(
            key ->
                repository.transaction(
                    tx ->
                        repository
                            .takeResult(tx, tenantId, id)
                            .compose(
                                taken ->
                                    taken.isEmpty()
                                        ? Future.failedFuture(
                                            GatewayException.gone(
                                                "export_gone",
                                                "the export was downloaded already, or its time ran"
                                                    + " out: request a new one"))
                                        : trail
                                            .record(tx, downloaded)
                                            .map(
                                                v ->
                                                    key.open(
                                                        Job.resultContext(id), taken.get())))));
  }

  /**
   * Meta's data-deletion callback for a verified {@code signed_request}: one erasure of the
   * app-scoped user in each tenant with a channel on the app, all under one new confirmation code.
   *
   * @return the confirmation code
   */
  Future<String> metaDeletion(String appId, String userId) {
    String code = newCode();
    Subject subject = Subject.user(userId);
    return repository
        .tenantsOfMetaApp(appId)
        .compose(
            tenants -> {
              List<Future<DataKey>> tenantKeys = new ArrayList<>(tenants.size());
              tenants.forEach(t -> tenantKeys.add(keys.key(t)));
              return Future.all(tenantKeys)
                  .map(
                      all -> {
                        List<NewJob> jobs = new ArrayList<>(tenants.size());
                        for (int i = 0; i < tenants.size(); i++) {
                          jobs.add(
                              newJob(
                                  all.resultAt(i),
                                  tenants.get(i),
                                  Kind.ERASURE,
                                  subject,
                                  Requester.META,
                                  code));
                        }
                        return jobs;
                      });
            })
        .compose(
            jobs ->
                repository.transaction(
                    tx -> {
                      Future<Void> done = repository.createDeletionRequest(tx, code, appId);
                      List<Job> created = new ArrayList<>(jobs.size());
                      for (NewJob j : jobs) {
                        done =
                            done.compose(v -> repository.create(tx, j))
                                .map(created::add)
                                .mapEmpty();
                      }
                      // The records last, as the trail wants them in a transaction.
                      for (int i = 0; i < jobs.size(); i++) {
                        int k = i;
                        done =
                            done.compose(
                                v ->
                                    trail.record(
                                        tx,
                                        created
                                            .get(k)
                                            .trail("requested", "meta:" + appId, Map.of())));
                      }
                      return done.map(code);
                    }));
  }

  /**
   * What a deletion request's confirmation page shows.
   *
   * @return fails with 404 {@code not_found} for an unknown code
   */
  Future<Deletion> deletion(String code) {
    return repository
        .deletion(code)
        .map(
            found ->
                found.orElseThrow(
                    () ->
                        GatewayException.notFound(
                            "not_found", "no deletion request with this code")));
  }

  private static GatewayException notFound(Kind kind) {
    return GatewayException.notFound("not_found", "no such " + kind.wire);
  }

  private static String newCode() {
    byte[] bytes = new byte[CODE_BYTES];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
