package dev.sluice.gateway.connector.smpp.protocol;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** An SMPP 3.4 client (ESME) for one account: its binds, windows, keepalive and reconnects. */
public final class SmppClient {

  private SmppClient() {}

  /** Starts binding (binds connections) in the background; returns at once. */
  public static SmppClient start(Vertx vertx, SmppSettings settings, SmppListener listener) {
    throw new UnsupportedOperationException("not yet");
  }

  /**
   * Sends one text: GSM 03.38 7-bit (data_coding 0, unpacked septets, extension table via ESC) when
   * every character fits, else UCS-2 (data_coding 8). Long texts are split with a UDH (05 00 03 ref
   * total seq, 8-bit reference; 153 septets / 67 UCS-2 units per part, never splitting an escape
   * pair or a surrogate pair), all parts on one bind, submitted in order. registered_delivery = 1.
   * Callable from any thread/context; handlers of the returned future run on the caller's context.
   * Never fails: every outcome is a SubmitResult. Parts answered ESME_RTHROTTLED (0x58) or
   * ESME_RMSGQFUL (0x14) are retried by the client itself after pausing that bind (throttleBackoff,
   * doubling), for at most maxThrottleWait, then THROTTLED.
   */
  public Future<SubmitResult> submit(SmppAddress destination, String text) {
    throw new UnsupportedOperationException("not yet");
  }

  /** Bound connections able to submit. */
  public int bindsUp() {
    throw new UnsupportedOperationException("not yet");
  }

  /** Unacknowledged PDUs over all binds. */
  public int windowInUse() {
    throw new UnsupportedOperationException("not yet");
  }

  /** 0x58/0x14 answers seen so far (monotonic). */
  public long throttles() {
    throw new UnsupportedOperationException("not yet");
  }

  /** Unbinds every connection (waits for unbind_resp up to responseTimeout), stops reconnecting. */
  public Future<Void> close() {
    throw new UnsupportedOperationException("not yet");
  }
}
