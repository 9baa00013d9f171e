package dev.sluice.loadtest.smsc;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * What the simulator saw in one round: submits per destination, the time of every submit, and the
 * submit → receipt-acknowledged latency, and of that the part spent waiting for the ESME's
 * deliver_sm_resp (the rest is the receipt waiting for one of the simulator's senders). Written to
 * from the simulator's session threads, read when the round is summarised: every field is
 * thread-safe.
 */
final class SmscRound {
  private static final int TIMELINE_SECONDS = 600;

  final String name;
  private final long startNanos = System.nanoTime();
  private final long startEpochMs = System.currentTimeMillis();
  private final Map<String, AtomicInteger> destinations = new ConcurrentHashMap<>();
  private final long[] submitNanos;
  private final AtomicInteger timed = new AtomicInteger();
  private final LongAdder submits = new LongAdder();
  private final LongAdder receiptsSent = new LongAdder();
  private final LongAdder receiptsAcked = new LongAdder();
  private final LongAdder receiptsFailed = new LongAdder();
  private final LongAccumulator lastAckNanos = new LongAccumulator(Math::max, Long.MIN_VALUE);
  private final Histogram latencyUs = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(10), 3);
  private final Histogram answerUs = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(10), 3);

  // Per second of the round, by acknowledgement time: receipts acknowledged, their answers' sum
  // and slowest (µs), their slowest submit → acknowledgement (µs). See timeline().
  private final AtomicLongArray ackedPerSecond = new AtomicLongArray(TIMELINE_SECONDS);
  private final AtomicLongArray answerUsPerSecond = new AtomicLongArray(TIMELINE_SECONDS);
  private final AtomicLongArray slowestAnswerUs = new AtomicLongArray(TIMELINE_SECONDS);
  private final AtomicLongArray slowestReceiptUs = new AtomicLongArray(TIMELINE_SECONDS);

  SmscRound(String name, int capacity) {
    this.name = name;
    this.submitNanos = new long[capacity];
  }

  /** A submit_sm to {@code destination} (a leading '+' is not part of the number) at nanos. */
  void submitted(String destination, long nanos) {
    submits.increment();
    String number = destination.startsWith("+") ? destination.substring(1) : destination;
    destinations.computeIfAbsent(number, d -> new AtomicInteger()).incrementAndGet();
    int i = timed.getAndIncrement();
    if (i < submitNanos.length) {
      submitNanos[i] = nanos - startNanos;
    }
  }

  void receiptSent() {
    receiptsSent.increment();
  }

  /**
   * @param submittedNanos when the receipt's submit_sm arrived
   * @param sentNanos when its deliver_sm was handed to the session
   */
  void receiptAcked(long submittedNanos, long sentNanos) {
    long now = System.nanoTime();
    receiptsAcked.increment();
    lastAckNanos.accumulate(now - startNanos);
    record(latencyUs, now - submittedNanos);
    record(answerUs, now - sentNanos);
    int second = (int) ((now - startNanos) / 1_000_000_000L);
    if (second < TIMELINE_SECONDS) {
      ackedPerSecond.incrementAndGet(second);
      answerUsPerSecond.addAndGet(second, (now - sentNanos) / 1000);
      slowestAnswerUs.accumulateAndGet(second, (now - sentNanos) / 1000, Math::max);
      slowestReceiptUs.accumulateAndGet(second, (now - submittedNanos) / 1000, Math::max);
    }
  }

  private static void record(Histogram h, long nanos) {
    h.recordValue(Math.min(h.getHighestTrackableValue(), nanos / 1000));
  }

  void receiptFailed() {
    receiptsFailed.increment();
  }

  /** The live counters, cheap enough to poll. */
  JsonObject stats() {
    return new JsonObject()
        .put("round", name)
        .put("submits", submits.sum())
        .put("receiptsSent", receiptsSent.sum())
        .put("receiptsAcked", receiptsAcked.sum())
        .put("receiptsFailed", receiptsFailed.sum());
  }

  /**
   * The round's summary: rates from the submit times (first → last, and the steady middle 10–90 %),
   * receipts acknowledged per second (first submit → last acknowledgement), latency percentiles,
   * and — against {@code expected} (one number a line, digits, a leading '+' ignored), when given —
   * recipients missing, sent twice or not expected. Writes it to {@code out}.json and the
   * per-destination counts to {@code out}.destinations.
   */
  JsonObject summarise(Path out, Path expected) throws IOException {
    int n = Math.min(timed.get(), submitNanos.length);
    long[] t = Arrays.copyOf(submitNanos, n);
    Arrays.sort(t);
    long duplicates = 0;
    StringBuilder lines = new StringBuilder();
    for (Map.Entry<String, AtomicInteger> e : destinations.entrySet()) {
      duplicates += e.getValue().get() - 1;
      lines.append(e.getKey()).append(' ').append(e.getValue().get()).append('\n');
    }
    JsonObject s =
        stats()
            .put("destinations", destinations.size())
            .put("duplicates", duplicates)
            .put("timedSubmits", n)
            .put("receiptP50Ms", percentileMs(latencyUs, 50))
            .put("receiptP90Ms", percentileMs(latencyUs, 90))
            .put("receiptP99Ms", percentileMs(latencyUs, 99))
            .put("receiptMaxMs", latencyUs.getMaxValue() / 1000.0)
            .put("answerP50Ms", percentileMs(answerUs, 50))
            .put("answerP99Ms", percentileMs(answerUs, 99))
            .put("answerMaxMs", answerUs.getMaxValue() / 1000.0);
    s.put("timeline", timeline(t));
    if (n > 0) {
      int lo = (int) (n * 0.1);
      int hi = Math.max(lo, (int) (n * 0.9) - 1);
      s.put("firstSubmitEpochMs", epochMs(t[0]))
          .put("lastSubmitEpochMs", epochMs(t[n - 1]))
          .put("submitsPerS", perSecond(n - 1, t[n - 1] - t[0]))
          .put("steadySubmitsPerS", perSecond(hi - lo, t[hi] - t[lo]));
      long lastAck = lastAckNanos.get();
      if (lastAck != Long.MIN_VALUE) {
        s.put("lastReceiptAckEpochMs", epochMs(lastAck))
            .put("receiptsAckedPerS", perSecond(receiptsAcked.sum(), lastAck - t[0]));
      }
    }
    if (expected != null) {
      Set<String> want = new HashSet<>();
      for (String line : Files.readAllLines(expected)) {
        String number = line.strip();
        if (!number.isEmpty()) {
          want.add(number.startsWith("+") ? number.substring(1) : number);
        }
      }
      long missing = want.stream().filter(w -> !destinations.containsKey(w)).count();
      long unexpected = destinations.keySet().stream().filter(d -> !want.contains(d)).count();
      s.put("expected", want.size()).put("missing", missing).put("unexpected", unexpected);
    }
    Files.writeString(Path.of(out + ".destinations"), lines);
    Files.writeString(Path.of(out + ".json"), s.encodePrettily());
    return s;
  }

  /**
   * Second by second from the round's start, up to the last second with a submit or a receipt:
   * submits received, receipts acknowledged, their mean and slowest answer (ms) and their slowest
   * submit → receipt latency (ms).
   */
  private JsonArray timeline(long[] sortedSubmitNanos) {
    long[] submitted = new long[TIMELINE_SECONDS];
    for (long t : sortedSubmitNanos) {
      int second = (int) (t / 1_000_000_000L);
      if (second < TIMELINE_SECONDS) {
        submitted[second]++;
      }
    }
    int last = -1;
    for (int i = 0; i < TIMELINE_SECONDS; i++) {
      if (ackedPerSecond.get(i) > 0 || submitted[i] > 0) {
        last = i;
      }
    }
    JsonArray seconds = new JsonArray();
    for (int i = 0; i <= last; i++) {
      long acked = ackedPerSecond.get(i);
      seconds.add(
          new JsonObject()
              .put("submits", submitted[i])
              .put("receiptsAcked", acked)
              .put("answerMeanMs", acked == 0 ? 0 : answerUsPerSecond.get(i) / 1000.0 / acked)
              .put("answerMaxMs", slowestAnswerUs.get(i) / 1000.0)
              .put("receiptMaxMs", slowestReceiptUs.get(i) / 1000.0));
    }
    return seconds;
  }

  private static double percentileMs(Histogram h, double p) {
    return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(p) / 1000.0;
  }

  private long epochMs(long relativeNanos) {
    return startEpochMs + relativeNanos / 1_000_000;
  }

  private static double perSecond(long count, long nanos) {
    return nanos <= 0 ? 0 : count * 1e9 / nanos;
  }
}
