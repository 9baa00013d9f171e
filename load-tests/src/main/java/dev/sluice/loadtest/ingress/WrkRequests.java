package dev.sluice.loadtest.ingress;

import dev.sluice.loadtest.Args;
import dev.sluice.loadtest.Signatures.MetaSigner;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Pre-signed requests for wrk ({@code load-tests/wrk/ingress.lua}), which cannot compute an HMAC:
 * one file per wrk thread, {@code <out>.<thread>}, each a sequence of complete HTTP/1.1 requests
 * (Meta WhatsApp inbound-text webhooks from {@link WebhookFactory}, signed with {@code
 * X-Hub-Signature-256}). Each request is preceded by a line holding its length in bytes, negated
 * for a redelivery (a byte-for-byte repeat of one of the thread's previous {@value #WINDOW} first
 * deliveries), so the Lua script reads one line and one block per request and counts first
 * deliveries without parsing anything.
 *
 * <p>Thread {@code t} of {@code T} sends the first deliveries {@code t, t+T, t+2T, …} in order, so
 * "how many first deliveries thread t sent" is enough to know which wamids were sent: {@code
 * --acked-out} turns those counts into the {@code .acked} bit set the {@code drain} tool reads.
 *
 * <pre>
 * write:  --out PREFIX --tag T --count N --app-secret S [--threads 2] [--path /webhooks/meta/loadapp]
 *         [--tenants 20] [--channels-per-tenant 2] [--phone-id-base 106540352242000]
 *         [--users 100000] [--redelivery-share 0.05] [--seed 42] [--body-bytes 600]
 * acked:  --acked-out FILE --threads T --unique u0,u1,…   (first deliveries each thread sent)
 * </pre>
 *
 * Bodies are padded to at least {@code --body-bytes} with a longer message text (Meta's own
 * webhooks for a short text are about that size once contacts and metadata are in).
 *
 * <p>{@code N} is the number of requests over all files (redeliveries included); a wrk thread that
 * reaches the end of its file starts it again, and those repeats are duplicates (the Lua script
 * counts the wraps).
 */
public final class WrkRequests {
  static final int WINDOW = 10_000;

  private WrkRequests() {}

  public static void main(String[] argv) throws Exception {
    Args a = Args.parse(argv);
    int threads = a.integer("threads", 2);
    if (threads < 1 || threads > 64) {
      throw new IllegalArgumentException("--threads must be 1..64");
    }
    if (a.has("acked-out")) {
      writeAcked(Path.of(a.string("acked-out", null)), threads, a.required("unique"));
      return;
    }
    long count = a.longValue("count", 0);
    double share = a.decimal("redelivery-share", 0.05);
    if (count < threads) {
      throw new IllegalArgumentException("--count must be >= --threads");
    }
    if (share < 0 || share >= 1) {
      throw new IllegalArgumentException("--redelivery-share must be in [0, 1)");
    }
    Layout layout =
        new Layout(
            a.integer("tenants", 20),
            a.integer("channels-per-tenant", 2),
            a.longValue("phone-id-base", 106_540_352_242_000L),
            a.integer("users", 100_000));
    String tag = a.required("tag");
    long seed = a.longValue("seed", 42);
    WebhookFactory factory =
        new WebhookFactory(
            layout, tag, seed, System.currentTimeMillis() / 1000, a.integer("body-bytes", 600));
    String secret = a.required("app-secret");
    String head =
        "POST "
            + a.string("path", "/webhooks/meta/loadapp")
            + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "X-Hub-Signature-256: ";
    String out = a.required("out");
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<long[]>> parts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      long n = count / threads + (t < count % threads ? 1 : 0);
      parts.add(
          pool.submit(
              () ->
                  writeThread(
                      Path.of(out + "." + thread),
                      factory,
                      new MetaSigner(secret),
                      head,
                      thread,
                      threads,
                      n,
                      share,
                      new SplittableRandom(seed * 31 + thread))));
    }
    long unique = 0;
    long bytes = 0;
    for (Future<long[]> f : parts) {
      long[] r = f.get();
      unique += r[0];
      bytes += r[1];
    }
    pool.shutdown();
    System.out.printf(
        "%d requests (%d first deliveries, %d redeliveries), %.0f bytes each on average, in %d"
            + " files %s.0…%d%n",
        count, unique, count - unique, (double) bytes / count, threads, out, threads - 1);
  }

  /** Returns {first deliveries, request bytes}. */
  private static long[] writeThread(
      Path file,
      WebhookFactory factory,
      MetaSigner signer,
      String head,
      int thread,
      int threads,
      long n,
      double share,
      SplittableRandom random) {
    long unique = 0;
    long bytes = 0;
    try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      for (long i = 0; i < n; i++) {
        boolean redelivery = unique > 0 && random.nextDouble() < share;
        long local = redelivery ? unique - 1 - random.nextLong(Math.min(unique, WINDOW)) : unique++;
        byte[] body = factory.body(thread + local * threads);
        byte[] request =
            (head + signer.sign(body) + "\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        int length = request.length + body.length;
        o.write(((redelivery ? "-" : "") + length + "\n").getBytes(StandardCharsets.US_ASCII));
        o.write(request);
        o.write(body);
        bytes += length;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new long[] {unique, bytes};
  }

  private static void writeAcked(Path out, int threads, String uniques) throws IOException {
    String[] u = uniques.split(",");
    if (u.length != threads) {
      throw new IllegalArgumentException("--unique needs one count per thread");
    }
    BitSet acked = new BitSet();
    for (int t = 0; t < threads; t++) {
      long n = Long.parseLong(u[t].trim());
      for (long j = 0; j < n; j++) {
        acked.set(Math.toIntExact(t + j * threads));
      }
    }
    Files.write(out, acked.toByteArray());
  }
}
