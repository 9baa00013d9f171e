package dev.sluice.gateway.ledger;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * One page of a tenant's messages, newest first ({@code GET /v1/messages}).
 *
 * @param messages the page's messages, without history or content
 * @param next where the following page starts, or {@code null} after the last page
 */
public record MessagePage(List<MessageRecord> messages, Cursor next) {

  /**
   * What a listing asks for; {@code null} fields do not filter.
   *
   * @param recipientKey the recipient's conversation key ({@link
   *     LedgerRepository#conversationKey}): found through its keyed hash, never by the number
   * @param since the earliest creation time (inclusive)
   * @param until the latest creation time (exclusive)
   * @param after the cursor of the page before, or {@code null} for the first page
   */
  public record Query(
      MessageStatus status,
      String channelId,
      String recipientKey,
      UUID campaignId,
      Instant since,
      Instant until,
      Cursor after,
      int limit) {}

  /**
   * A position in the listing's order, (created_at, id) descending: the last message of a page.
   * Sent to the client as an opaque token.
   */
  public record Cursor(Instant createdAt, UUID id) {
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    public String token() {
      long micros = createdAt.getEpochSecond() * 1_000_000L + createdAt.getNano() / 1_000;
      return ENCODER.encodeToString((micros + "." + id).getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * @throws IllegalArgumentException when the token is not one {@link #token} wrote
     */
    public static Cursor of(String token) {
      String text = new String(DECODER.decode(token), StandardCharsets.US_ASCII);
      int dot = text.indexOf('.');
      if (dot < 1) {
        throw new IllegalArgumentException("not a cursor");
      }
      long micros = Long.parseLong(text.substring(0, dot));
      UUID id = UUID.fromString(text.substring(dot + 1));
      return new Cursor(
          Instant.ofEpochSecond(
              Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L),
          id);
    }
  }
}
