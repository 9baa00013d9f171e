package dev.sluice.gateway.privacy.jobs;

import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * One privacy job as its row holds it. The person's address is only ever in {@code subject}, sealed
 * with the tenant's data key under {@link #subjectContext}, and is dropped when the job finishes.
 *
 * @param removed per store, what an erasure removed so far (or an export listed)
 * @param subject the sealed subject, or {@code null} once the job finished
 * @param error why the last attempt failed, or {@code null}
 * @param resultExpiresAt exports: until when the document may be downloaded
 * @param downloadedAt exports: when the document was downloaded (it is gone then)
 * @param confirmationCode the Meta data-deletion callback that started it, or {@code null}
 */
record Job(
    UUID id,
    String tenantId,
    Kind kind,
    Requester requestedBy,
    Status status,
    Instant deadline,
    Map<String, Long> removed,
    byte[] subject,
    String error,
    Instant resultExpiresAt,
    Instant downloadedAt,
    String confirmationCode,
    int attempts,
    Instant createdAt,
    Instant startedAt,
    Instant finishedAt) {

  /** What a job does. */
  enum Kind {
    ERASURE,
    EXPORT;

    final String wire = name().toLowerCase(Locale.ROOT);

    static Kind of(String wire) {
      return valueOf(wire.toUpperCase(Locale.ROOT));
    }
  }

  /** Who asked for it. */
  enum Requester {
    TENANT,
    OPERATOR,
    META;

    final String wire = name().toLowerCase(Locale.ROOT);

    static Requester of(String wire) {
      return valueOf(wire.toUpperCase(Locale.ROOT));
    }
  }

  /** Where it is. */
  enum Status {
    /** Not started yet. */
    PENDING,
    /** Started (and possibly waiting to be tried again after a failed attempt). */
    RUNNING,
    COMPLETED,
    FAILED;

    final String wire = name().toLowerCase(Locale.ROOT);

    static Status of(String wire) {
      return valueOf(wire.toUpperCase(Locale.ROOT));
    }
  }

  /** The associated data the subject is sealed under: the job's own row. */
  static String subjectContext(UUID id) {
    return "privacy-job:" + id;
  }

  /** The associated data an export's document is sealed under. */
  static String resultContext(UUID id) {
    return "privacy-export:" + id;
  }

  /** This job's moment {@code what} ({@code requested}, {@code completed}, …) for the trail. */
  JobTrail.Entry trail(String what, String actor, Map<String, Long> counts) {
    return new JobTrail.Entry(kind.wire + "." + what, actor, tenantId, id.toString(), counts);
  }
}
