package dev.sluice.loadtest.egress;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a Sluice egress message goes: a tenant, its API key and one of its channels. {@code
 * BenchSetup --routes-out} writes one per line as {@code <tenant> <apiKey> <channel>}.
 */
public record Route(String tenant, String apiKey, String channel) {

  /**
   * @throws IllegalArgumentException for a line that is not three words, or no route at all
   */
  public static List<Route> parse(List<String> lines) {
    List<Route> routes = new ArrayList<>();
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      String[] w = line.trim().split("\\s+");
      if (w.length != 3) {
        throw new IllegalArgumentException("a route line is <tenant> <apiKey> <channel>");
      }
      routes.add(new Route(w[0], w[1], w[2]));
    }
    if (routes.isEmpty()) {
      throw new IllegalArgumentException("no routes");
    }
    return routes;
  }
}
