package dev.sluice.gateway.ingress.parse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.core.EventKind;
import dev.sluice.gateway.core.InboundEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Hostile inputs derived from valid fixtures with a fixed seed, and the property every parser must
 * keep on them: a list of well-formed events, or a {@link PayloadException}, nothing else.
 */
final class Fuzz {

  /** Fixed so that a failure reproduces; the failing case's description names the mutation. */
  static final long SEED = 0x511CE_2026L;

  private static final ObjectMapper PLAIN = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String RAW = "@@RAW@@";
  private static final Set<String> STATUSES =
      Set.of("queued", "sent", "delivered", "read", "failed");

  /** One input and how it was made. */
  record Case(String description, byte[] body) {}

  private Fuzz() {}

  /** Nested arrays {@code depth} levels deep, e.g. {@code [[[…]]]}. */
  static String nestedArrays(int depth) {
    return "[".repeat(depth) + "]".repeat(depth);
  }

  /** Every kind of hostile body, derived from the fixtures: thousands of cases. */
  static List<Case> jsonCases(List<byte[]> fixtures) {
    SplittableRandom random = new SplittableRandom(SEED);
    List<Case> cases = new ArrayList<>();
    cases.add(new Case("empty", new byte[0]));
    cases.add(new Case("whitespace", " \n\t ".getBytes(StandardCharsets.UTF_8)));
    for (String s :
        List.of(
            "null",
            "true",
            "0",
            "\"x\"",
            "[]",
            "{}",
            "[{}]",
            "{\"a\":1}garbage",
            "{\"a\":",
            "{\"a\"}",
            "\uFEFF{}",
            "{\"a\":1e2147483648}",
            "{\"a\":-1e-2147483649}",
            "{\"a\":" + "9".repeat(5000) + "}",
            "{\"a\":NaN}",
            "{'a':1}",
            "{\"a\":\"\\ud800\"}")) {
      cases.add(new Case("literal " + abbreviate(s), s.getBytes(StandardCharsets.UTF_8)));
    }
    cases.add(
        new Case("100k nested arrays", nestedArrays(100_000).getBytes(StandardCharsets.UTF_8)));
    cases.add(
        new Case(
            "100k nested objects",
            ("{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000))
                .getBytes(StandardCharsets.UTF_8)));
    cases.add(new Case("invalid UTF-8", new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}'}));
    cases.add(
        new Case(
            "overlong UTF-8 in a value",
            new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC0, (byte) 0xAF, '"', '}'}));
    cases.add(new Case("UTF-16 body", "{\"a\":1}".getBytes(StandardCharsets.UTF_16)));
    for (int i = 0; i < 1000; i++) {
      byte[] b = new byte[random.nextInt(200)];
      random.nextBytes(b);
      cases.add(new Case("random bytes #" + i, b));
    }
    for (byte[] fixture : fixtures) {
      cases.add(new Case("fixture as is", fixture));
      for (int len = 0; len < fixture.length; len += Math.max(1, fixture.length / 200)) {
        cases.add(new Case("truncated to " + len, Arrays.copyOf(fixture, len)));
      }
      for (int i = 0; i < 300; i++) {
        byte[] b = fixture.clone();
        int flips = 1 + random.nextInt(3);
        for (int f = 0; f < flips; f++) {
          int pos = random.nextInt(b.length);
          b[pos] ^= (byte) (1 << random.nextInt(8));
        }
        cases.add(new Case("bit-flipped #" + i, b));
      }
      cases.addAll(typeSwaps(fixture));
    }
    return cases;
  }

  /**
   * The fixture with each value in turn (every field and array element, at every depth) replaced by
   * a value of another type, a hostile number or string, deep nesting, or removed.
   */
  static List<Case> typeSwaps(byte[] fixture) {
    JsonNode root = read(fixture);
    List<Case> cases = new ArrayList<>();
    List<List<Object>> paths = new ArrayList<>();
    collectPaths(root, new ArrayList<>(), paths);
    List<String> replacements =
        List.of(
            "null",
            "0",
            "-1",
            "9223372036854775807",
            "-9223372036854775809",
            "123456789012345678901234567890",
            "1e308",
            "1e2147483648",
            "-0.0",
            "true",
            "[]",
            "[null,1,\"x\",{}]",
            "{}",
            "{\"id\":{},\"body\":[]}",
            "\"\"",
            "\" \"",
            "\"" + "x".repeat(100_000) + "\"",
            "\"\\u0000\\ud800\"",
            "\"12abc\"",
            "\"2019-13-45T99:99:99.000+9999\"",
            nestedArrays(60),
            nestedArrays(100));
    for (List<Object> path : paths) {
      for (String replacement : replacements) {
        JsonNode copy = root.deepCopy();
        set(copy, path, NODES.textNode(RAW));
        String json = write(copy).replace("\"" + RAW + "\"", replacement);
        cases.add(
            new Case(
                "at " + path + " → " + abbreviate(replacement),
                json.getBytes(StandardCharsets.UTF_8)));
      }
      JsonNode copy = root.deepCopy();
      remove(copy, path);
      cases.add(new Case("without " + path, write(copy).getBytes(StandardCharsets.UTF_8)));
    }
    return cases;
  }

  /**
   * Runs the parser on every case: it must return well-formed events or throw {@link
   * PayloadException}; any other throwable fails the test naming the case. Returns how many cases
   * were accepted, so a test can check that the fuzzing also exercised the happy path.
   */
  static int assertParsesOrRejects(List<Case> cases, Function<byte[], List<InboundEvent>> parser) {
    int accepted = 0;
    for (Case c : cases) {
      List<InboundEvent> events;
      try {
        events = parser.apply(c.body());
      } catch (PayloadException e) {
        assertThat(e.getMessage()).as(c.description()).isNotBlank().hasSizeLessThan(80);
        assertThat(e.getStackTrace()).as(c.description()).isEmpty();
        continue;
      } catch (Throwable t) {
        throw new AssertionError("parser threw " + t + " on case: " + c.description(), t);
      }
      assertWellFormed(c.description(), events);
      accepted++;
    }
    return accepted;
  }

  /** Non-null required fields, a known status on statuses and a type on messages. */
  static void assertWellFormed(String description, List<InboundEvent> events) {
    if (events == null) {
      fail("null list on case: " + description);
    }
    for (InboundEvent e : events) {
      assertThat(e).as(description).isNotNull();
      assertThat(e.dedupId()).as(description).isNotBlank();
      assertThat(e.raw()).as(description).startsWith("{").endsWith("}");
      if (e.kind() == EventKind.STATUS && e.status() != null) {
        assertThat(STATUSES).as(description).contains(e.status());
      }
    }
  }

  /** A small random mutation helper for non-JSON inputs (Twilio forms). */
  static <T> T pick(SplittableRandom random, List<T> from) {
    return from.get(random.nextInt(from.size()));
  }

  static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "…(" + s.length() + " chars)";
  }

  private static void collectPaths(JsonNode node, List<Object> prefix, List<List<Object>> out) {
    if (node.isObject()) {
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        List<Object> path = new ArrayList<>(prefix);
        path.add(name);
        out.add(path);
        collectPaths(node.get(name), path, out);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        List<Object> path = new ArrayList<>(prefix);
        path.add(i);
        out.add(path);
        collectPaths(node.get(i), path, out);
      }
    }
  }

  private static JsonNode parentOf(JsonNode root, List<Object> path) {
    JsonNode n = root;
    for (Object step : path.subList(0, path.size() - 1)) {
      n = step instanceof Integer i ? n.get(i) : n.get((String) step);
    }
    return n;
  }

  private static void set(JsonNode root, List<Object> path, JsonNode value) {
    edit(
        root,
        path,
        o -> o.set((String) path.get(path.size() - 1), value),
        a -> a.set((Integer) path.get(path.size() - 1), value));
  }

  private static void remove(JsonNode root, List<Object> path) {
    edit(
        root,
        path,
        o -> o.remove((String) path.get(path.size() - 1)),
        a -> a.remove((int) (Integer) path.get(path.size() - 1)));
  }

  private static void edit(
      JsonNode root,
      List<Object> path,
      Consumer<ObjectNode> onObject,
      Consumer<ArrayNode> onArray) {
    JsonNode parent = parentOf(root, path);
    if (parent instanceof ObjectNode o) {
      onObject.accept(o);
    } else {
      onArray.accept((ArrayNode) parent);
    }
  }

  private static JsonNode read(byte[] json) {
    try {
      return PLAIN.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String write(JsonNode node) {
    try {
      return PLAIN.writeValueAsString(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
