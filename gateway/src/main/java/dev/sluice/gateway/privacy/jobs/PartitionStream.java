package dev.sluice.gateway.privacy.jobs;

import dev.sluice.gateway.queue.Lane;
import dev.sluice.gateway.queue.TenantQueueKeys;
import java.util.List;

/**
 * The streams of a tenant partition that hold end users' data, each with what goes with its entries
 * (a lease set, an attempts hash), and the name its count has in an erasure's receipt.
 */
enum PartitionStream {
  /** Inbound events (and outbound status events) waiting for the tenant. */
  INBOUND("inbound"),
  /** Inbound events over the per-phone limit. */
  QUARANTINE("quarantine"),
  /** Inbound events whose push delivery gave up. */
  INBOUND_DEAD_LETTERS("inboundDeadLetters"),
  /** Inbound events delivered by push, kept for replay. */
  REPLAY_ARCHIVE("replayArchive"),
  /** Outbound messages of the high lane not yet finished. */
  OUTBOUND_HIGH("outboundQueued"),
  /** Outbound messages of the low lane not yet finished. */
  OUTBOUND_LOW("outboundQueued"),
  /** Outbound messages whose retry budget is spent (field {@code m} only). */
  OUTBOUND_DEAD_LETTERS("outboundDeadLetters");

  private final String receiptName;

  PartitionStream(String receiptName) {
    this.receiptName = receiptName;
  }

  /** The name of this stream's count in a receipt (both outbound lanes share one). */
  String receiptName() {
    return receiptName;
  }

  /** Whether its entries are queued outbound messages (erasing one cancels it). */
  boolean queuedOutbound() {
    return this == OUTBOUND_HIGH || this == OUTBOUND_LOW;
  }

  /** Whether its entries are outbound messages (field {@code m}) rather than inbound events. */
  boolean outbound() {
    return queuedOutbound() || this == OUTBOUND_DEAD_LETTERS;
  }

  /** The stream's key. */
  String stream(TenantQueueKeys k) {
    return keys(k).get(0);
  }

  /**
   * The stream, then its lease set and attempts hash where it has them ({@code sluice_conv_erase}'s
   * keys).
   */
  List<String> keys(TenantQueueKeys k) {
    return switch (this) {
      case INBOUND -> List.of(k.inbound(), k.leases(Lane.INBOUND), k.inboundAttempts());
      case QUARANTINE -> List.of(k.quarantine(), k.leases(Lane.QUARANTINE));
      case INBOUND_DEAD_LETTERS -> List.of(k.inboundDeadLetters());
      case REPLAY_ARCHIVE -> List.of(k.delivered());
      case OUTBOUND_HIGH -> List.of(k.outbound("hi"), k.outboundLeases("hi"), k.attempts());
      case OUTBOUND_LOW -> List.of(k.outbound("lo"), k.outboundLeases("lo"), k.attempts());
      case OUTBOUND_DEAD_LETTERS -> List.of(k.deadLetters());
    };
  }
}
