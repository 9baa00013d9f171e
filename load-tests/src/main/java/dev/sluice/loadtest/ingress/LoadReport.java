package dev.sluice.loadtest.ingress;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * Renders a load summary as one console line and as a self-contained HTML page: inline SVG charts
 * of throughput and latency over time plus the percentile table. No scripts, no network.
 */
public final class LoadReport {
  private static final int W = 760;
  private static final int H = 240;
  private static final int PAD = 48;

  private LoadReport() {}

  /** One console line: throughput, percentiles, errors, outcomes. */
  public static String oneLine(JsonObject s) {
    JsonObject l = s.getJsonObject("latencyMs");
    return String.format(
        Locale.ROOT,
        "[%s] %s: %.1f ok/s, p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms,"
            + " errors %d, outcomes %s",
        s.getString("label"),
        s.getString("mode"),
        s.getDouble("throughputPerSec"),
        l.getDouble("p50"),
        l.getDouble("p90"),
        l.getDouble("p99"),
        l.getDouble("p99.9"),
        l.getDouble("max"),
        s.getLong("errors"),
        s.getJsonObject("outcomes").encode());
  }

  /**
   * The whole page for a load summary (the JSON {@code IngressLoad} or {@code EgressLoad} writes).
   */
  public static String html(JsonObject s) {
    JsonArray t = s.getJsonArray("timeline");
    StringBuilder b = new StringBuilder();
    b.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>")
        .append(esc(s.getString("label")))
        .append(" — Sluice ")
        .append(esc(s.getString("scenario", "ingress")))
        .append(" load</title><style>")
        .append("body{font:14px system-ui,sans-serif;margin:24px;color:#222}")
        .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;")
        .append("text-align:right}svg{background:#fafafa;border:1px solid #ddd;margin:8px 0}")
        .append("</style></head><body><h1>")
        .append(esc(s.getString("label")))
        .append("</h1><p>")
        .append(esc(oneLine(s)))
        .append("</p><p>mode ")
        .append(esc(s.getString("mode")))
        .append(
            s.getBoolean("coordinatedOmissionCorrected")
                ? " (open model: latency from the intended send time, corrected for coordinated"
                    + " omission)"
                : " (closed loop: latency from the actual send time)")
        .append(
            "; warm-up seconds are shaded.</p><h2>Throughput (completed requests per second)</h2>");
    b.append(
        chart(
            t,
            new String[] {"completed", "errors"},
            new String[] {"#1f77b4", "#d62728"},
            new ToDoubleFunction[] {
              o -> ((JsonObject) o).getLong("completed"), o -> ((JsonObject) o).getLong("errors")
            },
            "req/s",
            s.getInteger("warmupS")));
    b.append("<h2>Latency per second (ms)</h2>");
    b.append(
        chart(
            t,
            new String[] {"p50", "p99", "max"},
            new String[] {"#2ca02c", "#ff7f0e", "#9467bd"},
            new ToDoubleFunction[] {
              o -> ((JsonObject) o).getDouble("p50Ms"),
              o -> ((JsonObject) o).getDouble("p99Ms"),
              o -> ((JsonObject) o).getDouble("maxMs")
            },
            "ms",
            s.getInteger("warmupS")));
    b.append(
        "<h2>Latency percentiles over the measured window</h2><table><tr><th>percentile</th>"
            + "<th>ms</th></tr>");
    s.getJsonObject("percentilesMs")
        .forEach(
            e ->
                b.append("<tr><td>")
                    .append(esc(e.getKey()))
                    .append("</td><td>")
                    .append(e.getValue())
                    .append("</td></tr>"));
    b.append("</table><h2>Outcomes</h2><table><tr><th>status</th><th>count</th></tr>");
    s.getJsonObject("outcomes")
        .forEach(
            e ->
                b.append("<tr><td>")
                    .append(esc(e.getKey()))
                    .append("</td><td>")
                    .append(e.getValue())
                    .append("</td></tr>"));
    b.append("</table><h2>Summary</h2><pre>");
    JsonObject copy = s.copy();
    copy.remove("timeline");
    b.append(esc(copy.encodePrettily())).append("</pre></body></html>\n");
    return b.toString();
  }

  /**
   * An inline SVG line chart of {@code series} over the per-second {@code t} (one element per
   * second), the first {@code warmup} seconds shaded.
   */
  @SuppressWarnings("unchecked")
  public static String chart(
      JsonArray t,
      String[] names,
      String[] colors,
      ToDoubleFunction<Object>[] series,
      String unit,
      int warmup) {
    int n = t.size();
    double max = 1;
    for (ToDoubleFunction<Object> f : series) {
      for (Object o : t) {
        max = Math.max(max, f.applyAsDouble(o));
      }
    }
    max = niceCeil(max);
    double plotW = W - 2 * PAD;
    double plotH = H - 2 * PAD;
    double dx = n > 1 ? plotW / (n - 1) : plotW;
    StringBuilder b = new StringBuilder();
    b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(W)
        .append("\" height=\"")
        .append(H)
        .append("\">");
    if (warmup > 0 && n > 1) {
      b.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"#eee\"/>",
              PAD,
              PAD,
              Math.min(plotW, dx * warmup),
              plotH));
    }
    for (int i = 0; i <= 4; i++) {
      double y = PAD + plotH - plotH * i / 4;
      b.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                  + "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%s</text>",
              PAD,
              y,
              W - PAD,
              y,
              PAD - 4,
              y + 3,
              fmt(max * i / 4)));
    }
    b.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" font-size=\"10\">%s</text>"
                + "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">seconds → %d</text>",
            4,
            PAD - 8,
            unit,
            W - PAD,
            H - PAD + 16,
            n));
    for (int k = 0; k < series.length; k++) {
      StringBuilder pts = new StringBuilder();
      for (int i = 0; i < n; i++) {
        double v = series[k].applyAsDouble(t.getValue(i));
        pts.append(
            String.format(Locale.ROOT, "%.1f,%.1f ", PAD + dx * i, PAD + plotH - plotH * v / max));
      }
      b.append("<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"")
          .append(colors[k])
          .append("\" points=\"")
          .append(pts)
          .append("\"/>");
      b.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"%s\">%s</text>",
              PAD + 10 + k * 90,
              H - 10,
              colors[k],
              names[k]));
    }
    return b.append("</svg>").toString();
  }

  private static double niceCeil(double v) {
    double p = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 2, 2.5, 5, 10}) {
      if (m * p >= v) {
        return m * p;
      }
    }
    return 10 * p;
  }

  private static String fmt(double v) {
    return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
  }

  /** HTML-escapes text. */
  public static String esc(String s) {
    return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
