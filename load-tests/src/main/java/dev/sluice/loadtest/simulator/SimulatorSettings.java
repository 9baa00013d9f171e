package dev.sluice.loadtest.simulator;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the simulator enforces and injects. Immutable: {@code POST /control} and the command line
 * build a new value from a JSON patch ({@link #with}); names in the patch are the component names
 * below, and a name the simulator does not know is refused.
 *
 * @param countBy how accepted sends are counted for duplicates: {@code text} (the message text is
 *     the id), {@code recipient-text}, or {@code none}
 * @param whatsappMps WhatsApp Cloud API throughput per phone_number_id (80 by default, §2.5); over
 *     it: HTTP 400, code 130429
 * @param whatsappBurst tokens of the throughput bucket
 * @param pairIntervalMs WhatsApp pair rate: one message per this many ms to one user (6 s, §2.5);
 *     over it: HTTP 400, code 131056
 * @param pairBurst burst of the pair bucket (45)
 * @param telegramChatIntervalMs Telegram: one message per this many ms per chat; over it 429 with
 *     parameters.retry_after
 * @param telegramChatBurst burst per chat
 * @param telegramBotMps Telegram broadcast limit per bot token (about 30/s)
 * @param telegramBotBurst burst of the bot bucket
 * @param latencyFixedMs fixed part of every answer's delay
 * @param latencyTailMeanMs mean of an exponential tail added to the fixed delay (0 = none)
 * @param errorRate share of send requests answered 500 (provider error body)
 * @param asyncFailureRate share of accepted WhatsApp/Twilio messages that later fail (status
 *     webhook {@code failed} with errors[])
 * @param outages windows, in ms since the simulator started, answered 503
 * @param outageUntilEpochMs answered 503 until this wall-clock time ({@code outageForMs} in a
 *     control patch sets it relative to now)
 * @param statusWebhookUrl where WhatsApp status webhooks go (empty = none)
 * @param appSecret Meta app secret that signs status webhooks
 * @param wabaId WhatsApp Business Account id written in {@code entry[].id}
 * @param sentDelayMs delay before the {@code sent} status (jittered up to +50%)
 * @param deliveredDelayMs delay before {@code delivered} or {@code failed}
 * @param readDelayMs delay before {@code read}
 * @param readShare share of delivered messages that are also read
 * @param duplicateShare share of status events sent twice
 * @param reorderShare share of messages whose {@code read} comes before {@code delivered}
 * @param batchWindowMs statuses of one number due within this window share one webhook
 * @param maxBatch most statuses in one webhook
 * @param webhookRetries redeliveries of a status webhook that did not get a 2xx
 * @param twilioAuthToken signs Twilio status callbacks when the request's Basic auth has none
 * @param twilioCallbackShare share of Twilio sends carrying {@code StatusCallback} that get their
 *     callbacks (1 = all; 0 turns them off, e.g. to compare with a gateway that asks for no
 *     delivery reports)
 * @param seed seed of the simulator's randomness (latency, errors, duplicates)
 */
public record SimulatorSettings(
    String countBy,
    double whatsappMps,
    int whatsappBurst,
    long pairIntervalMs,
    int pairBurst,
    long telegramChatIntervalMs,
    int telegramChatBurst,
    double telegramBotMps,
    int telegramBotBurst,
    long latencyFixedMs,
    double latencyTailMeanMs,
    double errorRate,
    double asyncFailureRate,
    List<Window> outages,
    long outageUntilEpochMs,
    String statusWebhookUrl,
    String appSecret,
    String wabaId,
    long sentDelayMs,
    long deliveredDelayMs,
    long readDelayMs,
    double readShare,
    double duplicateShare,
    double reorderShare,
    long batchWindowMs,
    int maxBatch,
    int webhookRetries,
    String twilioAuthToken,
    double twilioCallbackShare,
    long seed) {

  /** An outage window, in ms since the simulator started: {@code [fromMs, toMs)}. */
  public record Window(long fromMs, long toMs) {}

  public SimulatorSettings {
    List<String> problems = new ArrayList<>();
    if (!List.of("text", "recipient-text", "none").contains(countBy)) {
      problems.add("countBy must be text, recipient-text or none, got " + countBy);
    }
    positive(problems, "whatsappMps", whatsappMps);
    positive(problems, "whatsappBurst", whatsappBurst);
    positive(problems, "pairIntervalMs", pairIntervalMs);
    positive(problems, "pairBurst", pairBurst);
    positive(problems, "telegramChatIntervalMs", telegramChatIntervalMs);
    positive(problems, "telegramChatBurst", telegramChatBurst);
    positive(problems, "telegramBotMps", telegramBotMps);
    positive(problems, "telegramBotBurst", telegramBotBurst);
    positive(problems, "maxBatch", maxBatch);
    for (String[] share :
        new String[][] {
          {"errorRate", "" + errorRate},
          {"asyncFailureRate", "" + asyncFailureRate},
          {"readShare", "" + readShare},
          {"duplicateShare", "" + duplicateShare},
          {"reorderShare", "" + reorderShare},
          {"twilioCallbackShare", "" + twilioCallbackShare}
        }) {
      double v = Double.parseDouble(share[1]);
      if (v < 0 || v > 1) {
        problems.add(share[0] + " must be 0..1, got " + v);
      }
    }
    if (latencyFixedMs < 0 || latencyTailMeanMs < 0 || batchWindowMs < 0 || webhookRetries < 0) {
      problems.add("delays, batchWindowMs and webhookRetries must not be negative");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    outages = List.copyOf(outages);
  }

  private static void positive(List<String> problems, String name, double v) {
    if (v <= 0) {
      problems.add(name + " must be > 0, got " + v);
    }
  }

  /** Real provider limits, no latency, no injected failures, no status webhooks. */
  public static SimulatorSettings defaults() {
    return new SimulatorSettings(
        "text",
        80,
        80,
        6_000,
        45,
        1_000,
        1,
        30,
        30,
        0,
        0,
        0,
        0,
        List.of(),
        0,
        "",
        "",
        "1000000001",
        100,
        500,
        2_000,
        0.8,
        0.01,
        0.02,
        50,
        100,
        2,
        "",
        1,
        1);
  }

  /** This value as JSON, one field per component. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    for (RecordComponent c : SimulatorSettings.class.getRecordComponents()) {
      Object v = value(c);
      if (v instanceof List<?> windows) {
        JsonArray a = new JsonArray();
        for (Object w : windows) {
          a.add(
              new JsonObject()
                  .put("fromMs", ((Window) w).fromMs())
                  .put("toMs", ((Window) w).toMs()));
        }
        v = a;
      }
      json.put(c.getName(), v);
    }
    return json;
  }

  /**
   * This value with the fields of {@code patch} replaced. Values may be JSON numbers, booleans,
   * strings (as they come from a command line) or, for {@code outages}, an array of {@code
   * {"fromMs","toMs"}}. {@code outageForMs} sets {@code outageUntilEpochMs} to now plus it.
   *
   * @throws IllegalArgumentException naming an unknown field or a bad value
   */
  public SimulatorSettings with(Map<String, ?> patch) {
    JsonObject merged = toJson();
    for (Map.Entry<String, ?> e : patch.entrySet()) {
      if (e.getKey().equals("outageForMs")) {
        long ms = Long.parseLong(String.valueOf(e.getValue()));
        merged.put("outageUntilEpochMs", System.currentTimeMillis() + ms);
      } else if (!merged.containsKey(e.getKey())) {
        throw new IllegalArgumentException("unknown setting " + e.getKey());
      } else {
        merged.put(e.getKey(), e.getValue());
      }
    }
    RecordComponent[] components = SimulatorSettings.class.getRecordComponents();
    Object[] values = new Object[components.length];
    Class<?>[] types = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      RecordComponent c = components[i];
      types[i] = c.getType();
      values[i] = convert(c.getName(), c.getType(), merged.getValue(c.getName()));
    }
    try {
      return SimulatorSettings.class.getDeclaredConstructor(types).newInstance(values);
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  private Object value(RecordComponent c) {
    try {
      return c.getAccessor().invoke(this);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Object convert(String name, Class<?> type, Object v) {
    try {
      String s = String.valueOf(v);
      if (type == String.class) {
        return s;
      } else if (type == int.class) {
        return v instanceof Number n ? n.intValue() : Integer.parseInt(s);
      } else if (type == long.class) {
        return v instanceof Number n ? n.longValue() : Long.parseLong(s);
      } else if (type == double.class) {
        return v instanceof Number n ? n.doubleValue() : Double.parseDouble(s);
      } else if (type == List.class) {
        JsonArray a = v instanceof JsonArray arr ? arr : new JsonArray(s);
        List<Window> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
          JsonObject w = a.getJsonObject(i);
          out.add(new Window(w.getLong("fromMs"), w.getLong("toMs")));
        }
        return out;
      }
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(name + ": cannot read " + v, e);
    }
    throw new IllegalStateException("unsupported type " + type);
  }
}
