package dev.sluice.gateway.testing;

import java.util.OptionalDouble;

/** Reads one sample out of a Prometheus text scrape. */
public final class MetricsText {
  private MetricsText() {}

  /**
   * The value of {@code series}, written as the scrape writes it: the name, then its labels if it
   * has any, e.g. {@code sluice_backend_up{backend="redis"}}; empty when the scrape has no such
   * line.
   */
  public static OptionalDouble value(String scrape, String series) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(series + " ")) {
        return OptionalDouble.of(Double.parseDouble(line.substring(series.length() + 1).trim()));
      }
    }
    return OptionalDouble.empty();
  }
}
