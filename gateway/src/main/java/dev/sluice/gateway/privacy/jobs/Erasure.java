package dev.sluice.gateway.privacy.jobs;

import dev.sluice.gateway.ledger.Ledger;
import dev.sluice.gateway.ledger.LedgerErasure;
import dev.sluice.gateway.ledger.LedgerEvent;
import dev.sluice.gateway.ledger.MessageStatus;
import dev.sluice.gateway.outbound.CampaignHolds;
import dev.sluice.gateway.outbound.QueuedMessage;
import dev.sluice.gateway.privacy.jobs.PartitionWalk.Found;
import dev.sluice.gateway.privacy.jobs.PrivacyRepository.Deleted;
import dev.sluice.gateway.privacy.jobs.PrivacyRepository.MessageKey;
import dev.sluice.gateway.redis.RedisCommands;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * One run of an erasure: removes or redacts everything of one person in one tenant, store after
 * store, counting into the job's {@link Receipt}. Every step finds what is left and removes it, so
 * a run that stops halfway (an instance dies, Redis or PostgreSQL fails) is simply run again from
 * the start.
 *
 * <ol>
 *   <li>Campaign audiences: the person's rows are redacted first, so a running campaign queues
 *       nothing more for them.
 *   <li>Redis, the person's partition: their entries of every stream (inbound queue, quarantine,
 *       push dead letters, replay archive, outbound lanes, outbound dead letters) with their leases
 *       and attempts; a queued outbound message erased this way is cancelled (its {@code cancelled}
 *       status, code {@code erased}, goes to the ledger, and its campaign's in-queue count down);
 *       then their inbound rate state and outbound pacing state on each of the tenant's channels.
 *   <li>The ledger: the events stream carries recipients in clear until a writer has stored them,
 *       so the run waits until it has been written past this point (after the dispatcher lease of a
 *       message that was in flight has run out); then the person's parked events are deleted.
 *   <li>Idempotency markers of the person's messages accepted within the last day, and the
 *       tenant-wide owner records of their keys.
 *   <li>PostgreSQL: the person's messages with their status history and provider reports, in
 *       batches.
 * </ol>
 *
 * The suppression list is left alone: it holds keyed hashes only, and an opted-out person must stay
 * opted out. One instance per run, on one event loop.
 */
final class Erasure {
  /** Messages deleted from PostgreSQL per statement. */
  static final int DELETE_BATCH = 500;

  /** Keys each SCAN of the idempotency walk looks at, and SCANs per call. */
  static final int IDEM_COUNT = 1_000;

  static final int IDEM_SCANS = 4;

  /**
   * How far back idempotency markers can name a message: their TTL is a day ({@code
   * OutboundQueue}), with an hour's margin.
   */
  static final long IDEM_HORIZON_MS = 25 * 3600_000L;

  /** How often the ledger's progress is looked at while waiting for it. */
  static final long LEDGER_POLL_MS = 200;

  static final String ERASED = "erased";
  static final String ERASED_MESSAGE = "the recipient's data was erased at their request";

  /** What a run needs, shared by every run on one event loop. */
  record Tools(
      Vertx vertx,
      RedisCommands redis,
      ErasureStore store,
      Ledger ledger,
      LedgerErasure ledgerErasure,
      PrivacyRepository repository,
      Clock clock,
      long dispatchLeaseMs,
      long ledgerWaitMs) {}

  private final Tools tools;
  private final Job job;
  private final Subject subject;
  private final PartitionWalk walk;
  private final Receipt receipt;

  /** The person's message ids and provider ids found in Redis (dead letters, queued messages). */
  private final Set<String> messageIds = new HashSet<>();

  /** Of those, the ones accepted recently enough to have an idempotency marker. */
  private final Set<String> recentIds = new HashSet<>();

  /** When the latest lease of an erased queued message ends (ms), 0 when none was leased. */
  private long leasedUntil;

  Erasure(Tools tools, Job job, Subject subject, PartitionWalk walk, Receipt receipt) {
    this.tools = tools;
    this.job = job;
    this.subject = subject;
    this.walk = walk;
    this.receipt = receipt;
  }

  /** Runs every step; completes with the receipt's counts. */
  Future<Map<String, Long>> run() {
    return tools
        .repository()
        .redactCampaignRows(job.tenantId(), subject)
        .compose(n -> receipt.add("campaignRows", n))
        .compose(v -> streams(List.of(PartitionStream.values()), 0))
        .compose(v -> rateState())
        .compose(v -> ledgerWrittenPastNow())
        .compose(v -> tools.repository().messageKeys(job.tenantId(), subject))
        .compose(this::idempotencyAndLedger)
        .compose(v -> messages())
        .map(v -> receipt.counts());
  }

  // ---- Redis: the partition's streams ----

  private Future<Void> streams(List<PartitionStream> streams, int i) {
    if (i == streams.size()) {
      return Future.succeededFuture();
    }
    PartitionStream s = streams.get(i);
    return walk.each(s, found -> erase(s, found)).compose(v -> streams(streams, i + 1));
  }

  private Future<Void> erase(PartitionStream stream, List<Found> found) {
    List<String> ids = new ArrayList<>(found.size());
    found.forEach(f -> ids.add(f.id()));
    return tools
        .store()
        .erase(stream.keys(walk.keys()), ids)
        .compose(
            leases -> {
              long erased = 0;
              List<QueuedMessage> cancelled = new ArrayList<>();
              for (int i = 0; i < found.size(); i++) {
                long lease = leases.get(i);
                if (lease == ErasureStore.ABSENT) {
                  continue; // finished, acknowledged or erased meanwhile
                }
                erased++;
                QueuedMessage m = found.get(i).message();
                if (m != null) {
                  remember(m);
                  if (stream.queuedOutbound()) {
                    cancelled.add(m);
                    leasedUntil = Math.max(leasedUntil, lease);
                  }
                }
              }
              return receipt.add(stream.receiptName(), erased).compose(v -> cancel(cancelled));
            });
  }

  private void remember(QueuedMessage m) {
    messageIds.add(m.id());
    if (m.acceptedAt() > tools.clock().millis() - IDEM_HORIZON_MS) {
      recentIds.add(m.id());
    }
  }

  /**
   * Records the erased queued messages as cancelled (code {@code erased}) in the ledger, as the
   * dispatcher does a cancelled campaign's, and counts them out of their campaigns' share of the
   * queue. The ledger append must succeed (the step is tried again otherwise); a lost count-down
   * only leaves a campaign's count high, which slows its expansion, as a dispatcher's lost one
   * does.
   */
  private Future<Void> cancel(List<QueuedMessage> messages) {
    if (messages.isEmpty()) {
      return Future.succeededFuture();
    }
    List<LedgerEvent> events = new ArrayList<>(messages.size());
    Map<String, Long> byCampaign = new HashMap<>();
    long now = tools.clock().millis();
    for (QueuedMessage m : messages) {
      events.add(
          m.ledgerEvent(MessageStatus.CANCELLED, now, null, ERASED, ERASED_MESSAGE, "privacy"));
      if (m.campaignId() != null) {
        byCampaign.merge(m.campaignId(), 1L, Long::sum);
      }
    }
    List<Future<?>> countDowns = new ArrayList<>();
    byCampaign.forEach(
        (campaign, n) ->
            countDowns.add(
                tools
                    .redis()
                    .send(CampaignHolds.countDownRequest(tools.redis().keyPrefix(), campaign, n))));
    return tools
        .ledger()
        .append(events)
        .compose(v -> Future.all(countDowns).<Void>mapEmpty().otherwiseEmpty());
  }

  /** The person's inbound rate state and outbound pacing state on each of the tenant's channels. */
  private Future<Void> rateState() {
    String hash = walk.hash();
    return tools
        .repository()
        .channelsOf(job.tenantId())
        .compose(
            channels -> {
              List<Future<Long>> deletions = new ArrayList<>();
              deletions.add(
                  tools.store().delete(ErasureStore.rateKeys(walk.keys(), channels, hash)));
              for (String c : channels) {
                deletions.add(tools.store().delete(List.of(tools.store().pacingKey(c, hash))));
              }
              return Future.all(deletions)
                  .compose(
                      all -> {
                        long n = 0;
                        for (int i = 0; i < all.size(); i++) {
                          n += all.<Long>resultAt(i);
                        }
                        return receipt.add("rateKeys", n);
                      });
            });
  }

  // ---- the ledger ----

  /**
   * Waits until every ledger event appended so far has been written to PostgreSQL: the cancelled
   * statuses just appended, and those of anything the person did before. A dispatcher may still
   * hold a message erased from its lane (a provider call in flight); it records the call's outcome
   * in the ledger before the queue, so the wait starts after such a lease has run out (at most the
   * dispatcher's lease).
   */
  private Future<Void> ledgerWrittenPastNow() {
    long now = tools.clock().millis();
    long inFlight = Math.min(leasedUntil, now + tools.dispatchLeaseMs()) - now;
    Future<Void> leases = inFlight > 0 ? sleep(inFlight) : Future.succeededFuture();
    return leases
        .compose(v -> tools.ledgerErasure().mark())
        .compose(
            mark -> ledgerWrittenThrough(mark, now + Math.max(inFlight, 0) + tools.ledgerWaitMs()));
  }

  private Future<Void> ledgerWrittenThrough(String mark, long deadline) {
    return tools
        .ledgerErasure()
        .writtenThrough(mark)
        .compose(
            written -> {
              if (written) {
                return Future.succeededFuture();
              }
              if (tools.clock().millis() > deadline) {
                return Future.failedFuture(
                    new TimeoutException(
                        "the ledger has not been written to PostgreSQL past the erasure"));
              }
              return sleep(LEDGER_POLL_MS).compose(v -> ledgerWrittenThrough(mark, deadline));
            });
  }

  private Future<Void> sleep(long ms) {
    Promise<Void> done = Promise.promise();
    tools.vertx().setTimer(Math.max(1, ms), id -> done.complete());
    return done.future();
  }

  /**
   * With the person's messages known from PostgreSQL as well: their idempotency markers, then their
   * events parked in the ledger's dead lane.
   */
  private Future<Void> idempotencyAndLedger(List<MessageKey> stored) {
    long horizon = tools.clock().millis() - IDEM_HORIZON_MS;
    Set<String> providerIds = new HashSet<>();
    for (MessageKey k : stored) {
      messageIds.add(k.id());
      if (k.createdAt() != null && k.createdAt().toEpochMilli() > horizon) {
        recentIds.add(k.id());
      }
      if (k.providerMessageId() != null) {
        providerIds.add(k.provider() + "\n" + k.providerMessageId());
      }
    }
    Set<String> recipients = new HashSet<>(subject.recipients());
    return idempotency(ErasureStore.IDEM_FIRST, true)
        .compose(
            v ->
                tools
                    .ledgerErasure()
                    .eraseDead(
                        e ->
                            (e.messageId() != null && messageIds.contains(e.messageId()))
                                || (e.recipient() != null && recipients.contains(e.recipient()))
                                || (e.providerMessageId() != null
                                    && providerIds.contains(
                                        e.provider() + "\n" + e.providerMessageId()))))
        .compose(n -> receipt.add("ledgerDeadLetters", n));
  }

  /** Walks the partition's idempotency markers for those of the person's recent messages. */
  private Future<Void> idempotency(String cursor, boolean first) {
    if (recentIds.isEmpty() || (!first && cursor.equals(ErasureStore.IDEM_FIRST))) {
      return Future.succeededFuture();
    }
    return tools
        .store()
        .eraseIdempotency(walk.keys(), cursor, IDEM_COUNT, IDEM_SCANS, recentIds)
        .compose(
            step ->
                tools
                    .store()
                    .delete(tools.store().keyOwners(job.tenantId(), step.keyHashes()))
                    .compose(owners -> receipt.add("idempotencyKeys", step.keyHashes().size()))
                    .compose(v -> idempotency(step.next(), false)));
  }

  // ---- PostgreSQL ----

  private Future<Void> messages() {
    return tools
        .repository()
        .deleteMessages(job.tenantId(), subject, DELETE_BATCH)
        .compose(
            (Deleted d) ->
                receipt
                    .add("messages", d.messages())
                    .compose(v -> receipt.add("messageEvents", d.events()))
                    .compose(v -> receipt.add("providerStatuses", d.providerStatuses()))
                    .compose(v -> receipt.add("messageBodies", d.bodies()))
                    .compose(
                        v -> d.messages() < DELETE_BATCH ? Future.succeededFuture() : messages()));
  }
}
