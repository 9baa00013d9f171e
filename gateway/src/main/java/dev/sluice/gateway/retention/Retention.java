package dev.sluice.gateway.retention;

import dev.sluice.gateway.config.GatewayConfig;
import java.time.Duration;
import java.time.Instant;

/**
 * How long one tenant's data is kept, in days: its own settings where the operator set them, the
 * configured default ({@code retention.*}) for the rest.
 *
 * @param historyDays message history: ids, statuses, times and recipients in PostgreSQL
 * @param bodyDays message texts and campaign variables; never longer than the history
 * @param payloadDays raw provider payloads kept in Redis for replay, and dead letters
 */
public record Retention(int historyDays, int bodyDays, int payloadDays) {
  /** The longest a setting may be: 100 years. */
  public static final int MAX_DAYS = 36_500;

  public Retention {
    for (int days : new int[] {historyDays, bodyDays, payloadDays}) {
      if (days < 1 || days > MAX_DAYS) {
        throw new IllegalArgumentException("retention days must be 1.." + MAX_DAYS);
      }
    }
    if (bodyDays > historyDays) {
      throw new IllegalArgumentException("bodyDays must not exceed historyDays");
    }
  }

  public static Retention of(GatewayConfig.Retention config) {
    return new Retention(config.historyDays(), config.bodyDays(), config.payloadDays());
  }

  /** This retention with the tenant's own settings where it has them ({@code null}: default). */
  public Retention with(Integer history, Integer body, Integer payload) {
    return new Retention(
        history == null ? historyDays : history,
        body == null ? bodyDays : body,
        payload == null ? payloadDays : payload);
  }

  /** History written before this instant has expired. */
  public Instant historyCutoff(Instant now) {
    return now.minus(Duration.ofDays(historyDays));
  }

  public Instant bodyCutoff(Instant now) {
    return now.minus(Duration.ofDays(bodyDays));
  }

  public Instant payloadCutoff(Instant now) {
    return now.minus(Duration.ofDays(payloadDays));
  }
}
