package dev.sluice.loadtest.ingress;

import java.nio.charset.StandardCharsets;

/**
 * Meta WhatsApp inbound-text webhooks (the official example's shape, provider-facts §1.3), one
 * message each. A body is a pure function of the run tag and a sequence number: the wamid is {@code
 * wamid.<tag>.<seq>}, and the number and sender are picked by a hash of the sequence, so a
 * redelivery is byte-for-byte the first delivery and the drain can map a wamid back to its request.
 */
public final class WebhookFactory {
  private static final String FILLER =
      " We would like two of them, delivered before Friday if that is possible. Thanks!";
  private final Layout layout;
  private final String tag;
  private final long seed;
  private final String timestamp;
  private final int minBodyBytes;

  public WebhookFactory(Layout layout, String tag, long seed, long epochSeconds) {
    this(layout, tag, seed, epochSeconds, 0);
  }

  /**
   * @param minBodyBytes bodies shorter than this get a longer message text (ASCII filler words), so
   *     that a benchmark can send bodies of a realistic size; 0 keeps the short text
   */
  public WebhookFactory(Layout layout, String tag, long seed, long epochSeconds, int minBodyBytes) {
    if (!tag.matches("[A-Za-z0-9-]{1,32}")) {
      throw new IllegalArgumentException("tag must be 1-32 of [A-Za-z0-9-]");
    }
    this.layout = layout;
    this.tag = tag;
    this.seed = seed;
    this.timestamp = Long.toString(epochSeconds);
    this.minBodyBytes = minBodyBytes;
  }

  public static String wamid(String tag, long seq) {
    return "wamid." + tag + "." + seq;
  }

  /** The channel index (over all tenants) that message {@code seq} is addressed to. */
  public int channelOf(long seq) {
    return (int) Long.remainderUnsigned(mix(seq), layout.channels());
  }

  public byte[] body(long seq) {
    long h = mix(seq);
    int channel = (int) Long.remainderUnsigned(h, layout.channels());
    int user = (int) Long.remainderUnsigned(h >>> 21, layout.users());
    String from = layout.userNumber(user);
    String pnid = layout.phoneNumberId(channel);
    StringBuilder b = new StringBuilder(640);
    b.append("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"")
        .append(layout.wabaId(layout.tenantOf(channel)))
        .append("\",\"changes\":[{\"value\":{\"messaging_product\":\"whatsapp\",")
        .append("\"metadata\":{\"display_phone_number\":\"1555")
        .append(pnid, Math.max(0, pnid.length() - 7), pnid.length())
        .append("\",\"phone_number_id\":\"")
        .append(pnid)
        .append("\"},\"contacts\":[{\"profile\":{\"name\":\"Load User ")
        .append(user)
        .append("\"},\"wa_id\":\"")
        .append(from)
        .append("\"}],\"messages\":[{\"from\":\"")
        .append(from)
        .append("\",\"id\":\"")
        .append(wamid(tag, seq))
        .append("\",\"timestamp\":\"")
        .append(timestamp)
        .append("\",\"type\":\"text\",\"text\":{\"body\":\"Load test message ")
        .append(seq)
        .append(": does it come in another color?");
    String end = "\"}}]},\"field\":\"messages\"}]}]}";
    for (int i = 0; b.length() + end.length() < minBodyBytes; i++) {
      b.append(FILLER.charAt(i % FILLER.length()));
    }
    b.append(end);
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** SplitMix64 finaliser: a cheap, well-spread hash of the sequence number. */
  private long mix(long seq) {
    long z = seq + seed * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
