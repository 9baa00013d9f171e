package dev.sluice.loadtest.ingress;

/**
 * The shape of an ingress run: tenants, their WhatsApp numbers and the end users writing to them.
 * Ids are derived from indexes, so the setup, the load and the drain agree without sharing state.
 *
 * @param tenants tenants, {@code lt-t000}…
 * @param channelsPerTenant WhatsApp numbers per tenant
 * @param phoneIdBase first phone_number_id; channel {@code i} (over all tenants) gets base + i
 * @param users distinct end-user numbers writing in
 */
public record Layout(int tenants, int channelsPerTenant, long phoneIdBase, int users) {
  public Layout {
    if (tenants < 1 || channelsPerTenant < 1 || users < 1) {
      throw new IllegalArgumentException("tenants, channelsPerTenant and users must be >= 1");
    }
  }

  public int channels() {
    return tenants * channelsPerTenant;
  }

  public String tenantId(int tenant) {
    return String.format("lt-t%03d", tenant);
  }

  /** Channel {@code index} over all tenants. */
  public String channelId(int index) {
    return String.format("wa-%03d-%d", index / channelsPerTenant, index % channelsPerTenant);
  }

  public int tenantOf(int channelIndex) {
    return channelIndex / channelsPerTenant;
  }

  public String phoneNumberId(int channelIndex) {
    return Long.toString(phoneIdBase + channelIndex);
  }

  public String wabaId(int tenant) {
    return Long.toString(2_000_000_000L + tenant);
  }

  public String userNumber(int user) {
    return Long.toString(14_155_500_000L + user);
  }
}
