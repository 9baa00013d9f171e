package dev.sluice.gateway.connector.smpp.protocol;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An SMPP 3.4 client (ESME) for one account: its binds, windows, keepalive and reconnects. Its
 * connections run on the event-loop context it is given (see {@link SmppSession}); this object only
 * routes submits to a bound connection and hands deliver_sm up to the {@link SmppListener}, on that
 * context.
 *
 * <p>Receipts first: when a connection has as many deliver_sm unanswered as its window, the SMSC
 * can send it no more, and its receipts queue up there while the gateway submits yet more. From
 * then until the deliveries have stayed at half the window or below for a moment (the SMSC has no
 * more waiting), the account's connections write one submit_sm per deliver_sm answered: the traffic
 * goes at the pace its receipts are taken, and they never fall further behind. Should the answers
 * stop for {@link #MAX_SUBMIT_HOLD} (the store hangs), the submits go on regardless.
 */
public final class SmppClient {
  private static final Logger LOG = LoggerFactory.getLogger(SmppClient.class);

  /** How long the parts of a concatenated MO message are awaited before what arrived goes on. */
  static final Duration REASSEMBLY_TIMEOUT = Duration.ofSeconds(60);

  /**
   * How long submits wait for an answer to a backed-up delivery: if the answers are stuck (the
   * store is down), holding back the submits cures nothing, so they go on until the deliveries
   * recover.
   */
  static final Duration MAX_SUBMIT_HOLD = Duration.ofSeconds(1);

  private final Vertx vertx;
  private final SmppSettings settings;
  private final SmppListener listener;
  private final Reassembler reassembler;
  private final List<SmppSession> sessions = new CopyOnWriteArrayList<>();
  private final Context context;
  private final AtomicInteger reference = new AtomicInteger();
  private final AtomicInteger roundRobin = new AtomicInteger();
  private final AtomicLong throttles = new AtomicLong();
  private final AtomicLong submitHolds = new AtomicLong();
  private volatile boolean closed;
  private int lastBindsUp = -1;

  // Receipts first (touched on the context only): connections whose deliveries are backed up,
  // submits earned by answers since, answers since the last look, and whether the answers have
  // stalled for MAX_SUBMIT_HOLD.
  private int sessionsBackedUp;
  private int submitTurns;
  private int answersSinceCheck;
  private boolean answersStalled;
  private long holdTimer = -1;

  private SmppClient(Vertx vertx, Context context, SmppSettings settings, SmppListener listener) {
    this.vertx = vertx;
    this.context = context;
    this.settings = settings;
    this.listener = listener;
    this.reassembler = new Reassembler(vertx, REASSEMBLY_TIMEOUT, this::handMessage);
    SmppSession.Owner owner = new Owner();
    for (int i = 0; i < settings.binds(); i++) {
      List<SmppSession.Role> roles =
          settings.bindMode() == BindMode.TRANSCEIVER
              ? List.of(SmppSession.Role.TRANSCEIVER)
              : List.of(SmppSession.Role.TRANSMITTER, SmppSession.Role.RECEIVER);
      for (SmppSession.Role role : roles) {
        SmppSession session = new SmppSession(vertx, context, settings, role, owner, i);
        sessions.add(session);
        context.runOnContext(v -> session.start());
      }
    }
  }

  /**
   * Starts binding (binds connections) in the background on {@code context}, an event-loop context;
   * returns at once.
   */
  public static SmppClient start(
      Vertx vertx, Context context, SmppSettings settings, SmppListener listener) {
    return new SmppClient(vertx, context, settings, listener);
  }

  /**
   * {@link #start(Vertx, Context, SmppSettings, SmppListener)} on the caller's context, or a new
   * event-loop context when the caller has none.
   */
  public static SmppClient start(Vertx vertx, SmppSettings settings, SmppListener listener) {
    return start(vertx, vertx.getOrCreateContext(), settings, listener);
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
    Context caller = Vertx.currentContext();
    SmsText.Split split;
    try {
      split = SmsText.split(text, reference.getAndIncrement() & 0xFF);
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(
          new SubmitResult(SubmitResult.Status.PERMANENT, List.of(), 0, e.getMessage()));
    }
    SubmitJob job = new SubmitJob(destination, split);
    dispatch(job);
    if (caller == null) {
      return job.future();
    }
    Promise<SubmitResult> onCaller = Promise.promise();
    job.future().onComplete(ar -> caller.runOnContext(v -> onCaller.handle(ar)));
    return onCaller.future();
  }

  private void dispatch(SubmitJob job) {
    SmppSession session = pick();
    if (session == null) {
      job.fail(SubmitResult.Status.NOT_BOUND, 0, "no bind up");
    } else {
      session.submit(job);
    }
  }

  /** The next bound connection able to submit, round robin; null if none. */
  private SmppSession pick() {
    if (closed) {
      return null;
    }
    int n = sessions.size();
    int start = roundRobin.getAndIncrement();
    for (int i = 0; i < n; i++) {
      SmppSession s = sessions.get(Math.floorMod(start + i, n));
      if (s.submittable()) {
        return s;
      }
    }
    return null;
  }

  /** Bound connections able to submit. */
  public int bindsUp() {
    int up = 0;
    for (SmppSession s : sessions) {
      if (s.submittable()) {
        up++;
      }
    }
    return up;
  }

  /** Unacknowledged submit_sm over all binds. */
  public int windowInUse() {
    return sessions.stream().mapToInt(SmppSession::windowInUse).sum();
  }

  /** 0x58/0x14 answers seen so far (monotonic). */
  public long throttles() {
    return throttles.get();
  }

  /** deliver_sm and data_sm received over all binds and not yet answered. */
  public int deliveriesOpen() {
    return sessions.stream().mapToInt(SmppSession::deliveriesOpen).sum();
  }

  /** Times submits were held for backed-up deliveries (monotonic). */
  public long submitHolds() {
    return submitHolds.get();
  }

  /** Unbinds every connection (waits for unbind_resp up to responseTimeout), stops reconnecting. */
  public Future<Void> close() {
    closed = true;
    List<Future<Void>> stopping = new ArrayList<>();
    for (SmppSession session : sessions) {
      Promise<Void> stopped = Promise.promise();
      context.runOnContext(
          v -> session.stop().recover(e -> Future.succeededFuture()).onComplete(stopped));
      stopping.add(stopped.future());
    }
    return Future.join(stopping).mapEmpty();
  }

  // ---- inbound ----

  private Future<Integer> onDeliver(Pdu pdu) {
    Inbound in = Inbound.read(pdu);
    if (in.receipt()) {
      DeliveryReceipt receipt = Receipts.read(pdu, in.text(), in.source(), in.destination());
      return statusOf(() -> listener.onReceipt(receipt));
    }
    if (in.concatenation() != null) {
      Inbound.Concatenation c = in.concatenation();
      return reassembler.accept(
          new Reassembler.Part(
              in.source(), in.destination(), c.reference(), c.total(), c.seq(), in.text()));
    }
    MobileOriginated mo =
        new MobileOriginated(
            in.source(),
            in.destination(),
            in.text(),
            Reassembler.dedupKey(in.source(), in.destination(), in.text(), ""));
    return statusOf(() -> handMessage(mo));
  }

  private Future<Void> handMessage(MobileOriginated mo) {
    return listener.onMessage(mo);
  }

  private static Future<Integer> statusOf(java.util.function.Supplier<Future<Void>> call) {
    Future<Void> done;
    try {
      done = call.get();
    } catch (RuntimeException e) {
      done = Future.failedFuture(e);
    }
    return done.transform(
        ar -> {
          if (ar.failed()) {
            LOG.warn("SMPP deliver_sm not taken by the listener: {}", ar.cause().toString());
          }
          return Future.succeededFuture(
              ar.succeeded() ? CommandStatus.ESME_ROK : CommandStatus.ESME_RX_T_APPN);
        });
  }

  private final class Owner implements SmppSession.Owner {
    @Override
    public Future<Integer> onDeliver(Pdu pdu) {
      return SmppClient.this.onDeliver(pdu);
    }

    @Override
    public void bindChanged() {
      // Under the lock, so that two connections changing at once report in order.
      synchronized (SmppClient.this) {
        int up = bindsUp();
        if (up == lastBindsUp) {
          return;
        }
        lastBindsUp = up;
        try {
          listener.onBindsChanged(up);
        } catch (RuntimeException e) {
          LOG.warn("SMPP onBindsChanged failed: {}", e.toString());
        }
      }
    }

    @Override
    public void throttled() {
      throttles.incrementAndGet();
    }

    @Override
    public void redispatch(List<SubmitJob> jobs) {
      jobs.forEach(SmppClient.this::dispatch);
    }

    @Override
    public void deliveriesBackedUp(boolean backedUp) {
      sessionsBackedUp += backedUp ? 1 : -1;
      if (backedUp && sessionsBackedUp == 1) {
        submitHolds.incrementAndGet();
        submitTurns = 0;
        answersSinceCheck = 0;
        holdTimer = vertx.setTimer(MAX_SUBMIT_HOLD.toMillis(), id -> checkAnswers());
      } else if (!backedUp && sessionsBackedUp == 0) {
        vertx.cancelTimer(holdTimer);
        holdTimer = -1;
        answersStalled = false;
        resumeAll();
      }
    }

    @Override
    public void deliveryAnswered() {
      if (sessionsBackedUp > 0) {
        answersSinceCheck++;
        // Turns not taken (nothing to send) are kept up to a window's worth, not banked for a
        // burst.
        submitTurns = Math.min(submitTurns + 1, settings.windowSize());
        resumeAll();
      }
    }

    @Override
    public boolean takeSubmitTurn() {
      if (sessionsBackedUp == 0 || answersStalled) {
        return true;
      }
      if (submitTurns > 0) {
        submitTurns--;
        return true;
      }
      return false;
    }

    /**
     * While backed up, every MAX_SUBMIT_HOLD: ends the submits held past their wait, and lets the
     * rest go if no delivery was answered meanwhile.
     */
    private void checkAnswers() {
      if (sessionsBackedUp == 0) {
        holdTimer = -1;
        return;
      }
      answersStalled = answersSinceCheck == 0;
      answersSinceCheck = 0;
      holdTimer = vertx.setTimer(MAX_SUBMIT_HOLD.toMillis(), id -> checkAnswers());
      sessions.forEach(SmppSession::expireWaiting);
      if (answersStalled) {
        resumeAll();
      }
    }

    private void resumeAll() {
      sessions.forEach(SmppSession::resume);
    }
  }
}
