package dev.sluice.loadtest.ingress;

import dev.sluice.loadtest.Args;
import java.net.URI;

/**
 * One ingress load run, read from the command line (defaults in brackets):
 *
 * <pre>
 * --url http://127.0.0.1:8080/webhooks/meta/APP   the webhook endpoint
 * --app-secret S                                  signs X-Hub-Signature-256
 * --mode max|rate [rate]                          closed loop at full speed, or open-model arrivals
 * --rate N                                        arrivals per second (rate mode)
 * --concurrency N [64]                            requests in flight (max mode)
 * --connections N [128]                           connection pool, all loops together
 * --warmup-s N [5] --duration-s N [20]            measured after the warm-up
 * --timeout-ms N [10000]                          per request
 * --loops N [1]                                   generator event loops
 * --tenants N [20] --channels-per-tenant N [2] --phone-id-base N [106540352242000] --users N [100000]
 * --redelivery-share F [0.05]                     share of requests repeating an earlier webhook
 * --tag T                                         run tag inside every wamid
 * --seed N [42] --label L --out PREFIX            writes PREFIX.json, PREFIX.html, PREFIX.acked
 * </pre>
 */
public record LoadSettings(
    URI url,
    String appSecret,
    boolean openModel,
    double rate,
    int concurrency,
    int connections,
    int warmupS,
    int durationS,
    long timeoutMs,
    int loops,
    Layout layout,
    double redeliveryShare,
    String tag,
    long seed,
    String label,
    String out) {

  public LoadSettings {
    if (!"http".equals(url.getScheme()) || url.getPort() <= 0) {
      throw new IllegalArgumentException("--url must be http://host:port/path");
    }
    if (openModel && rate <= 0) {
      throw new IllegalArgumentException("--rate must be > 0 in rate mode");
    }
    if (durationS < 1 || durationS > 600 || warmupS < 0 || warmupS > 120) {
      throw new IllegalArgumentException("--duration-s must be 1..600 and --warmup-s 0..120");
    }
    if (redeliveryShare < 0 || redeliveryShare >= 1) {
      throw new IllegalArgumentException("--redelivery-share must be in [0, 1)");
    }
    if (loops < 1 || connections < loops || concurrency < loops) {
      throw new IllegalArgumentException("--loops >= 1, --connections and --concurrency >= loops");
    }
  }

  static LoadSettings from(Args a) {
    String mode = a.string("mode", "rate");
    if (!mode.equals("max") && !mode.equals("rate")) {
      throw new IllegalArgumentException("--mode must be max or rate");
    }
    String tag = a.string("tag", mode);
    return new LoadSettings(
        URI.create(a.required("url")),
        a.required("app-secret"),
        mode.equals("rate"),
        a.decimal("rate", 0),
        a.integer("concurrency", 64),
        a.integer("connections", 128),
        a.integer("warmup-s", 5),
        a.integer("duration-s", 20),
        a.longValue("timeout-ms", 10_000),
        a.integer("loops", 1),
        new Layout(
            a.integer("tenants", 20),
            a.integer("channels-per-tenant", 2),
            a.longValue("phone-id-base", 106_540_352_242_000L),
            a.integer("users", 100_000)),
        a.decimal("redelivery-share", 0.05),
        tag,
        a.longValue("seed", 42),
        a.string("label", tag),
        a.string("out", "ingress-" + tag));
  }
}
