package dev.sluice.loadtest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * The hottest methods of a JFR recording's execution samples: by self time (top frame) and by total
 * time (anywhere on the stack, counted once per sample). {@code jfr-top --file gateway.jfr [--top
 * 25] [--prefix dev.sluice]}.
 */
public final class JfrTop {
  private JfrTop() {}

  public static void main(String[] argv) throws IOException {
    Args a = Args.parse(argv);
    int top = a.integer("top", 25);
    String prefix = a.string("prefix", "dev.sluice");
    Map<String, Long> self = new HashMap<>();
    Map<String, Long> total = new HashMap<>();
    Map<String, Long> ours = new HashMap<>();
    Map<String, Long> components = new HashMap<>();
    long samples = 0;
    for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(a.required("file")))) {
      if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null) {
        continue;
      }
      samples++;
      List<RecordedFrame> frames = e.getStackTrace().getFrames();
      if (frames.isEmpty()) {
        continue;
      }
      self.merge(name(frames.get(0)), 1L, Long::sum);
      Set<String> once = new HashSet<>();
      Set<String> parts = new HashSet<>();
      boolean firstOurs = true;
      for (RecordedFrame f : frames) {
        String n = name(f);
        if (once.add(n)) {
          total.merge(n, 1L, Long::sum);
        }
        String part = component(n);
        if (part != null && parts.isEmpty()) {
          parts.add(part); // innermost known component gets the sample, callees included
          components.merge(part, 1L, Long::sum);
        }
        if (firstOurs && n.startsWith(prefix)) {
          ours.merge(n, 1L, Long::sum);
          firstOurs = false;
        }
      }
    }
    System.out.println("execution samples: " + samples);
    print("self (top frame)", self, samples, top);
    print(
        "innermost " + prefix + " frame (where our code spends, callees included)",
        ours,
        samples,
        top);
    print(
        "components (each sample to the innermost frame of a known component, JDK callees included)",
        components,
        samples,
        top);
    print("total (anywhere on the stack)", total, samples, top);
  }

  private static final String[][] COMPONENTS = {
    {"com.fasterxml.jackson.databind", "Jackson databind (JSON trees, serialisation)"},
    {"com.fasterxml.jackson.core", "Jackson core (JSON tokens)"},
    {"io.vertx.core.json", "Vert.x JsonObject"},
    {"io.micrometer", "Micrometer"},
    {"io.vertx.micrometer", "Vert.x Micrometer metrics"},
    {"io.vertx.ext.web", "Vert.x Web (router, body handler)"},
    {"io.vertx.redis", "Vert.x Redis client"},
    {"io.netty.handler.codec.http", "Netty HTTP codec"},
    {"javax.crypto", "JCE (HMAC)"},
    {"com.sun.crypto", "JCE (HMAC)"},
    {"dev.sluice.gateway.ingress.parse", "Sluice payload parsing"},
    {"dev.sluice.gateway.core.signing", "Sluice signature check"},
    {"dev.sluice.gateway.admission", "Sluice admission (batching, FCALL arguments)"},
    {"dev.sluice.gateway.privacy", "Sluice phone hashing"},
    {"dev.sluice.gateway.tenant", "Sluice tenant directory"},
    {"dev.sluice.gateway.ingress.IngressMetrics", "Sluice ingress metrics"},
    {"io.netty.channel.nio", "Netty I/O (socket reads and writes)"},
  };

  private static String component(String method) {
    for (String[] c : COMPONENTS) {
      if (method.startsWith(c[0])) {
        return c[1];
      }
    }
    return null;
  }

  private static String name(RecordedFrame f) {
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }

  private static void print(String title, Map<String, Long> counts, long samples, int top) {
    System.out.println("\n## " + title);
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(top)
        .forEach(
            e ->
                System.out.printf(
                    "%6.2f%%  %7d  %s%n",
                    100.0 * e.getValue() / samples, e.getValue(), e.getKey()));
  }
}
