package dev.sluice.gateway.ingress.parse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.core.InboundEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TwilioPayloadParserFuzzTest {

  private static final List<String> FIXTURES =
      List.of(
          "twilio/sms-inbound.form",
          "twilio/whatsapp-inbound.form",
          "twilio/status-delivered.form",
          "twilio/status-undelivered.form");

  /** Values that have broken form parsers: blanks, signs, overflow, control and odd characters. */
  private static final List<String> HOSTILE_VALUES =
      List.of(
          "",
          " ",
          "+",
          "whatsapp:",
          "whatsapp:+",
          "WhatsApp:+1",
          "-1",
          "0",
          "2147483648",
          "99999999999999999999",
          "1e3",
          "NaN",
          "received",
          "RECEIVED",
          "delivered",
          "\u0000",
          "\ud800",
          "x".repeat(100_000));

  private final TwilioPayloadParser parser = new TwilioPayloadParser();

  @Test
  void anyFormGivesWellFormedEventsOrPayloadException() {
    SplittableRandom random = new SplittableRandom(Fuzz.SEED);
    List<Map<String, List<String>>> forms = new ArrayList<>();
    forms.add(null);
    forms.add(Map.of());
    for (String fixture : FIXTURES) {
      Map<String, List<String>> valid = Payloads.form(fixture);
      forms.add(valid);
      for (String key : valid.keySet()) {
        for (List<String> replacement : replacementsFor(random)) {
          Map<String, List<String>> copy = new HashMap<>(valid);
          copy.put(key, replacement);
          forms.add(copy);
        }
        Map<String, List<String>> without = new HashMap<>(valid);
        without.remove(key);
        forms.add(without);
        Map<String, List<String>> nullKey = new HashMap<>(valid);
        nullKey.put(null, valid.get(key));
        forms.add(nullKey);
      }
    }
    List<String> keys =
        List.of("MessageSid", "SmsSid", "MessageStatus", "From", "To", "Body", "NumMedia", "x");
    for (int i = 0; i < 5000; i++) {
      Map<String, List<String>> form = new HashMap<>();
      int n = random.nextInt(6);
      for (int k = 0; k < n; k++) {
        form.put(Fuzz.pick(random, keys), Fuzz.pick(random, replacementsFor(random)));
      }
      forms.add(form);
    }

    int accepted = 0;
    for (int i = 0; i < forms.size(); i++) {
      Map<String, List<String>> form = forms.get(i);
      List<InboundEvent> events;
      try {
        events = parser.parse(form);
      } catch (PayloadException e) {
        assertThat(e.getStackTrace()).isEmpty();
        continue;
      } catch (Throwable t) {
        throw new AssertionError("parser threw " + t + " on form #" + i, t);
      }
      Fuzz.assertWellFormed("form #" + i, events);
      accepted++;
    }

    assertThat(forms.size()).isGreaterThan(5000);
    assertThat(accepted).isGreaterThan(1000);
  }

  @Test
  void anyJsonBodyGivesWellFormedEventsOrPayloadException() {
    List<Fuzz.Case> cases =
        Fuzz.jsonCases(
            List.of(
                Payloads.bytes("twilio/status-sent.json"),
                ("{\"MessageSid\":\"SM1\",\"From\":\"whatsapp:+1555\",\"NumMedia\":\"1\","
                        + "\"Tag\":[\"a\",\"b\"],\"Body\":\"hi\"}")
                    .getBytes(StandardCharsets.UTF_8)));

    int accepted = Fuzz.assertParsesOrRejects(cases, parser::parseJson);

    assertThat(cases.size()).isGreaterThan(2000);
    assertThat(accepted).isGreaterThan(400);
  }

  private static List<List<String>> replacementsFor(SplittableRandom random) {
    List<List<String>> out = new ArrayList<>();
    out.add(null);
    out.add(List.of());
    out.add(Arrays.asList((String) null));
    out.add(Arrays.asList(null, "SM1"));
    for (String v : HOSTILE_VALUES) {
      out.add(List.of(v));
    }
    out.add(List.of(Fuzz.pick(random, HOSTILE_VALUES), Fuzz.pick(random, HOSTILE_VALUES)));
    byte[] bytes = new byte[random.nextInt(40)];
    random.nextBytes(bytes);
    out.add(List.of(new String(bytes, StandardCharsets.ISO_8859_1)));
    return out;
  }
}
