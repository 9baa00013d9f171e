package dev.sluice.gateway.queue;

/**
 * Redis key names of one tenant queue partition. Every key starts with the gateway's key prefix
 * ({@code redis.keyPrefix}, its deployment's namespace) and then carries the hash tag {@code
 * {t:<tenant>:<partition>}}, so all keys one function call touches live in one cluster slot (the
 * prefix holds no braces, so the tag decides the slot). Tenant and channel ids are restricted to
 * {@code [A-Za-z0-9_-]} by the operator API, so they cannot break out of the tag.
 */
public final class TenantQueueKeys {
  private final String tenantId;
  private final int partition;
  private final String tag;

  /**
   * @param keyPrefix the namespace of the keys ({@code PipelinedRedis.keyPrefix()})
   */
  public TenantQueueKeys(String keyPrefix, String tenantId, int partition) {
    this.tenantId = tenantId;
    this.partition = partition;
    this.tag = keyPrefix + "{t:" + tenantId + ":" + partition + "}";
  }

  public String tenantId() {
    return tenantId;
  }

  public int partition() {
    return partition;
  }

  /** The key prefix and the hash tag, which also identify the partition for grouping calls. */
  public String tag() {
    return tag;
  }

  /** Inbound events waiting for the tenant (stream). */
  public String inbound() {
    return tag + ":in";
  }

  /** Events over the per-phone inbound limit (stream). */
  public String quarantine() {
    return tag + ":in:q";
  }

  /** Leases of handed-out events of a lane (sorted set, id → lease end in ms). */
  public String leases(Lane lane) {
    return stream(lane) + ":lease";
  }

  public String stream(Lane lane) {
    return lane == Lane.QUARANTINE ? quarantine() : inbound();
  }

  /** Delivery attempts made per inbound entry in push mode (hash). */
  public String inboundAttempts() {
    return tag + ":in:att";
  }

  /** Inbound events whose delivery to the tenant's endpoint gave up (stream). */
  public String inboundDeadLetters() {
    return tag + ":in:dlq";
  }

  /** Inbound events delivered to the tenant's endpoint, kept for replay (stream). */
  public String delivered() {
    return tag + ":in:done";
  }

  /** The recent delivery attempts of a tenant (stream, capped). */
  public static String deliveryLog(String keyPrefix, String tenantId) {
    return keyPrefix + "{t:" + tenantId + "}:deliveries";
  }

  /** Dedup marker of one provider event on one channel (string with TTL). */
  public String dedup(String channelId, String eventId) {
    return tag + ":dd:" + channelId + ":" + eventId;
  }

  /** Outbound messages of a lane, {@code hi} or {@code lo} (stream). */
  public String outbound(String lane) {
    return tag + ":out:" + lane;
  }

  /** Leases of a lane's outbound messages: in flight or waiting (sorted set). */
  public String outboundLeases(String lane) {
    return outbound(lane) + ":lease";
  }

  /** Attempts made per outbound entry (hash). */
  public String attempts() {
    return tag + ":out:att";
  }

  /** Outbound messages whose retry budget is spent (stream). */
  public String deadLetters() {
    return tag + ":dlq";
  }

  /**
   * Conversations that opted out (set): {@code <channel>:<recipient hash>} for one channel, {@code
   * *:<recipient hash>} for every channel of the tenant.
   */
  public String optOuts() {
    return tag + ":optout";
  }

  /**
   * The note of each opted-out conversation (hash, member → JSON {@code {"source","reason","at"}}),
   * written by the same function calls as {@link #optOuts()}.
   */
  public String optOutNotes() {
    return tag + ":optout:notes";
  }

  /** The message id first accepted under an idempotency key (string with TTL). */
  public String idempotency(String keyHash) {
    return tag + ":idem:" + keyHash;
  }

  /**
   * The fingerprint of the request first accepted under an idempotency key (string with the
   * marker's TTL), compared with a retry's so a key reused for another request is refused. Named
   * apart from the markers ({@code :idfp:}, not {@code :idem:}): a walk over the markers reads
   * message ids only.
   */
  public String idempotencyFingerprint(String keyHash) {
    return tag + ":idfp:" + keyHash;
  }

  /**
   * The partition that first took a message under an idempotency key (string with TTL). Its tag is
   * the tenant's, not a partition's: the key must be found whatever the recipient.
   */
  public static String idempotencyOwner(String keyPrefix, String tenantId, String keyHash) {
    return keyPrefix + "{t:" + tenantId + "}:idem:" + keyHash;
  }

  /** GCRA state of one end user on one channel (string with TTL). */
  public String rate(String channelId, String phoneHash) {
    return tag + ":rl:" + channelId + ":" + phoneHash;
  }
}
