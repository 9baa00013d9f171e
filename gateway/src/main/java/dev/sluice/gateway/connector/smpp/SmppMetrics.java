package dev.sluice.gateway.connector.smpp;

import dev.sluice.gateway.connector.smpp.protocol.SmppClient;
import dev.sluice.gateway.connector.smpp.protocol.SubmitResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@code sluice_smpp_*} meters: per channel its binds up, window in use, throttle answers,
 * deliveries awaiting their answer and submit holds (tag {@code channel}); submit latency by
 * outcome; receipts by state. No address is ever a tag. Created once per gateway; thread-safe.
 */
public final class SmppMetrics {
  /** Receipt states of SMPP 3.4 (appendix B); anything else is counted as {@code other}. */
  private static final List<String> STATES =
      List.of(
          "DELIVRD", "EXPIRED", "DELETED", "UNDELIV", "ACCEPTD", "UNKNOWN", "REJECTD", "ENROUTE");

  private final MeterRegistry registry;
  private final Map<SubmitResult.Status, Timer> submits = new EnumMap<>(SubmitResult.Status.class);
  private final Map<String, Counter> receipts = new HashMap<>();
  private final Counter otherReceipts;

  public SmppMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (SubmitResult.Status s : SubmitResult.Status.values()) {
      submits.put(
          s,
          Timer.builder("sluice.smpp.submit.latency")
              .description("From submit to the last part's submit_sm_resp, by outcome")
              .tag("outcome", s.name().toLowerCase(Locale.ROOT))
              .publishPercentileHistogram()
              .minimumExpectedValue(Duration.ofMillis(1))
              .maximumExpectedValue(Duration.ofSeconds(60))
              .register(registry));
    }
    for (String state : STATES) {
      receipts.put(state, receiptCounter(state.toLowerCase(Locale.ROOT)));
    }
    otherReceipts = receiptCounter("other");
  }

  private Counter receiptCounter(String state) {
    return Counter.builder("sluice.smpp.receipts")
        .description("Delivery receipts received, by state")
        .tag("state", state)
        .register(registry);
  }

  /** Registers the channel's gauges; {@link #remove} them when its client is closed. */
  List<Meter> register(String channelId, SmppClient client) {
    return List.of(
        Gauge.builder("sluice.smpp.binds", client, SmppClient::bindsUp)
            .description("Bound SMPP connections able to submit, on this instance")
            .tag("channel", channelId)
            .register(registry),
        Gauge.builder("sluice.smpp.window.in.use", client, SmppClient::windowInUse)
            .description("Unacknowledged PDUs over all binds of the channel, on this instance")
            .tag("channel", channelId)
            .register(registry),
        FunctionCounter.builder("sluice.smpp.throttles", client, SmppClient::throttles)
            .description("Answers 0x58 ESME_RTHROTTLED and 0x14 ESME_RMSGQFUL")
            .tag("channel", channelId)
            .register(registry),
        Gauge.builder("sluice.smpp.deliveries.open", client, SmppClient::deliveriesOpen)
            .description(
                "deliver_sm received and not yet answered, over all binds, on this instance")
            .tag("channel", channelId)
            .register(registry),
        FunctionCounter.builder("sluice.smpp.submit.holds", client, SmppClient::submitHolds)
            .description("Times new submits waited for a window's worth of unanswered deliver_sm")
            .tag("channel", channelId)
            .register(registry));
  }

  void remove(List<Meter> meters) {
    meters.forEach(registry::remove);
  }

  void submitted(SubmitResult.Status status, long startNanos) {
    submits.get(status).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
  }

  void receipt(String state) {
    Counter c = state == null ? null : receipts.get(state.toUpperCase(Locale.ROOT));
    (c == null ? otherReceipts : c).increment();
  }
}
