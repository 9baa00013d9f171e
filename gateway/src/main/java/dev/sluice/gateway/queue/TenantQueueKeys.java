package dev.sluice.gateway.queue;

/**
 * Redis key names of one tenant queue partition. Every key carries the hash tag {@code
 * {t:<tenant>:<partition>}}, so all keys one function call touches live in one cluster slot. Tenant
 * and channel ids are restricted to {@code [A-Za-z0-9_-]} by the operator API, so they cannot break
 * out of the tag.
 */
public final class TenantQueueKeys {
  private final String tag;

  public TenantQueueKeys(String tenantId, int partition) {
    this.tag = "{t:" + tenantId + ":" + partition + "}";
  }

  /** The hash tag, which also identifies the partition for grouping calls. */
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

  /** Dedup marker of one provider event on one channel (string with TTL). */
  public String dedup(String channelId, String eventId) {
    return tag + ":dd:" + channelId + ":" + eventId;
  }

  /** GCRA state of one end user on one channel (string with TTL). */
  public String rate(String channelId, String phoneHash) {
    return tag + ":rl:" + channelId + ":" + phoneHash;
  }
}
