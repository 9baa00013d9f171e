package dev.sluice.gateway.connector.smpp;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The submit_sm_resp ids of the parts this instance sent recently, each with its message's first
 * part id and its own place, so that a receipt is matched to its message in the form the SMSC gave
 * at submit time, and the receipts of a long message's later parts are known as such. A message's
 * status follows the receipt of its first part; later parts' receipts are acknowledged and counted
 * only.
 *
 * <p>In memory and bounded (the oldest go first): a receipt this instance does not know (sent by
 * another instance, before a restart, or long ago) is recorded under every form of its id, which
 * matches a first part wherever it was sent; a later part's receipt then matches no message and
 * changes nothing. Thread-safe.
 */
final class PartIds {
  /** A part's message (its first part's SMSC id) and the part's place in it, from 0. */
  record Part(String firstId, int index) {}

  private final int capacity;
  private final Map<String, Part> parts;

  PartIds(int capacity) {
    this.capacity = capacity;
    this.parts =
        new LinkedHashMap<>(1024, 0.75f, false) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Part> eldest) {
            return size() > PartIds.this.capacity;
          }
        };
  }

  /** Registers the ids of one message's parts on a channel, in part order. */
  synchronized void register(String channelId, List<String> ids) {
    if (ids.isEmpty()) {
      return;
    }
    String first = ids.get(0);
    for (int i = 0; i < ids.size(); i++) {
      parts.put(channelId + ":" + ids.get(i), new Part(first, i));
    }
  }

  /** The part of the channel that one of these forms of an id names, or {@code null}. */
  synchronized Part find(String channelId, List<String> candidates) {
    for (String id : candidates) {
      Part p = parts.get(channelId + ":" + id);
      if (p != null) {
        return p;
      }
    }
    return null;
  }
}
