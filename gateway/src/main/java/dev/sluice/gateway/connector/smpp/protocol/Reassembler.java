package dev.sluice.gateway.connector.smpp.protocol;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Puts concatenated mobile-originated messages back together. The parts of one message may come on
 * different connections of the account, so the state is shared and guarded by this object's lock
 * (short critical sections, no I/O inside).
 *
 * <p>Acknowledgement rule: the parts are held in memory only, so no part's deliver_sm_resp is sent
 * before the whole message has been handed to the listener and its future has completed; each
 * part's future then completes with the same status (0, or 0x64 when the listener failed). If the
 * SMSC gives up waiting and delivers a part again, the new copy joins the same message and is
 * answered with the others. When parts are still missing after the timeout, what arrived is handed
 * on with {@link #MISSING} where the missing parts would be.
 */
final class Reassembler {
  static final String MISSING = "[…]";

  private final Vertx vertx;
  private final Duration timeout;
  private final Function<MobileOriginated, Future<Void>> deliver;
  private final Map<String, Pending> pending = new HashMap<>();

  /** One part of a concatenated message, read from a UDH (IEI 00 or 08) or the sar_* TLVs. */
  record Part(
      SmppAddress source,
      SmppAddress destination,
      int reference,
      int total,
      int seq,
      String text) {}

  private static final class Pending {
    final Part first;
    final String[] texts;
    final List<Promise<Integer>> acks = new ArrayList<>();
    long timer;

    Pending(Part first) {
      this.first = first;
      texts = new String[first.total()];
    }

    boolean complete() {
      for (String t : texts) {
        if (t == null) {
          return false;
        }
      }
      return true;
    }
  }

  Reassembler(Vertx vertx, Duration timeout, Function<MobileOriginated, Future<Void>> deliver) {
    this.vertx = vertx;
    this.timeout = timeout;
    this.deliver = deliver;
  }

  /**
   * Takes one part; the returned future is the command_status to answer its deliver_sm with, and
   * completes only once the whole message has been handled.
   */
  Future<Integer> accept(Part part) {
    Promise<Integer> ack = Promise.promise();
    if (part.total() < 1 || part.seq() < 1 || part.seq() > part.total()) {
      ack.complete(CommandStatus.ESME_ROK); // unusable numbering: nothing to wait for
      return ack.future();
    }
    String key = key(part);
    Pending done = null;
    synchronized (this) {
      Pending p = pending.get(key);
      if (p == null) {
        p = new Pending(part);
        pending.put(key, p);
        p.timer = vertx.setTimer(timeout.toMillis(), id -> expire(key));
      }
      p.texts[part.seq() - 1] = part.text();
      p.acks.add(ack);
      if (p.complete()) {
        pending.remove(key);
        vertx.cancelTimer(p.timer);
        done = p;
      }
    }
    if (done != null) {
      handOn(done);
    }
    return ack.future();
  }

  /** Messages still waiting for parts. */
  synchronized int waiting() {
    return pending.size();
  }

  private void expire(String key) {
    Pending p;
    synchronized (this) {
      p = pending.remove(key);
    }
    if (p != null) {
      handOn(p);
    }
  }

  private void handOn(Pending p) {
    Part part = p.first;
    StringBuilder text = new StringBuilder();
    for (String t : p.texts) {
      text.append(t == null ? MISSING : t);
    }
    String full = text.toString();
    MobileOriginated mo =
        new MobileOriginated(
            part.source(),
            part.destination(),
            full,
            dedupKey(
                part.source(), part.destination(), full, part.reference() + "/" + part.total()));
    Future<Void> handled;
    try {
      handled = deliver.apply(mo);
    } catch (RuntimeException e) {
      handled = Future.failedFuture(e);
    }
    handled.onComplete(
        ar -> {
          int status = ar.succeeded() ? CommandStatus.ESME_ROK : CommandStatus.ESME_RX_T_APPN;
          p.acks.forEach(a -> a.tryComplete(status));
        });
  }

  private static String key(Part part) {
    return String.join(
        "\u0000",
        Integer.toString(part.source().ton()),
        Integer.toString(part.source().npi()),
        part.source().address(),
        Integer.toString(part.destination().ton()),
        Integer.toString(part.destination().npi()),
        part.destination().address(),
        Integer.toString(part.reference()),
        Integer.toString(part.total()));
  }

  /** SHA-256 over the fields, hex, first 32 characters: stable across redeliveries. */
  static String dedupKey(
      SmppAddress source, SmppAddress destination, String text, String concatenation) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String field :
          new String[] {source.address(), destination.address(), text, concatenation}) {
        sha.update(field.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
      }
      return HexFormat.of().formatHex(sha.digest()).substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
