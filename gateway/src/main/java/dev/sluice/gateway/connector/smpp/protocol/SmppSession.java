package dev.sluice.gateway.connector.smpp.protocol;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SMPP connection of an account: connect, bind, keep alive, reconnect, and the window of
 * outstanding requests. Runs on the event-loop context it is given (the instance's SMPP loop);
 * every field below is touched only on that context, except the volatile gauges read by {@link
 * SmppClient}. Other threads hand it work through {@link #submit}, which hops onto the context.
 */
final class SmppSession {
  private static final Logger LOG = LoggerFactory.getLogger(SmppSession.class);
  private static final int INTERFACE_VERSION = 0x34;
  private static final Duration MAX_THROTTLE_PAUSE = Duration.ofSeconds(16);

  /**
   * How long the unanswered deliveries of a backed-up connection stay at half its window or below
   * before it counts as caught up: longer than an SMSC takes to send the next deliver_sm once one
   * is answered, so that a dip between two of its deliveries does not count.
   */
  static final Duration DELIVERIES_SETTLE = Duration.ofMillis(100);

  /** Which bind this connection makes. */
  enum Role {
    TRANSCEIVER(Pdu.BIND_TRANSCEIVER),
    TRANSMITTER(Pdu.BIND_TRANSMITTER),
    RECEIVER(Pdu.BIND_RECEIVER);

    final int bindCommand;

    Role(int bindCommand) {
      this.bindCommand = bindCommand;
    }

    boolean submits() {
      return this != RECEIVER;
    }
  }

  /** What the session asks of its client. */
  interface Owner {
    /** A deliver_sm or data_sm request; the future is the command_status to answer it with. */
    Future<Integer> onDeliver(Pdu pdu);

    /** This connection became able, or unable, to submit. */
    void bindChanged();

    /** A throttle answer (0x58 / 0x14) came. */
    void throttled();

    /** Queued submits of a connection that went down, none of whose parts were written. */
    void redispatch(List<SubmitJob> jobs);

    /**
     * This connection's unanswered deliver_sm reached its window (true), or have stayed at half of
     * it or below for DELIVERIES_SETTLE (false): the SMSC is, or no longer is, waiting on the
     * gateway to send more.
     */
    void deliveriesBackedUp(boolean backedUp);

    /** A deliver_sm was answered. */
    void deliveryAnswered();

    /**
     * Whether a submit_sm may be written now (false while deliveries are backed up and no answer
     * has earned it); true takes the turn.
     */
    boolean takeSubmitTurn();
  }

  /** Why an outstanding request ended without its response. */
  private static final class NoResponse extends RuntimeException {
    final boolean written;

    NoResponse(String message, boolean written) {
      super(message, null, false, false);
      this.written = written;
    }
  }

  private static final class Outstanding {
    final Promise<Pdu> response = Promise.promise();
    final boolean submit;
    long timer;

    Outstanding(boolean submit) {
      this.submit = submit;
    }
  }

  private final Vertx vertx;
  private final Context context;
  private final SmppSettings settings;
  private final Role role;
  private final Owner owner;
  private final String name;

  private NetClient client;
  private NetSocket socket;
  private Buffer inbound = Buffer.buffer();
  private boolean bound;
  private boolean stopping;
  private int sequence;
  private int reconnectAttempt;
  private long keepAliveTimer = -1;
  private long reconnectTimer = -1;
  private long pauseTimer = -1;
  private boolean paused;
  private Duration throttlePause;
  private int submitsOutstanding;
  private int deliveries;
  private boolean deliveriesBackedUp;
  private long deliveriesLowSince;
  private Promise<Void> drained;
  private final Map<Integer, Outstanding> outstanding = new LinkedHashMap<>();
  private final ArrayDeque<SubmitJob> queue = new ArrayDeque<>();

  private volatile boolean submittable;
  private volatile int windowInUse;
  private volatile int deliveriesOpen;

  /**
   * @param context the event-loop context the connection runs on
   */
  SmppSession(
      Vertx vertx, Context context, SmppSettings settings, Role role, Owner owner, int index) {
    this.vertx = vertx;
    this.context = context;
    this.settings = settings;
    this.role = role;
    this.owner = owner;
    this.throttlePause = settings.throttleBackoff();
    // Never the system_id: to the gateway it is a credential, kept out of every log line.
    this.name =
        settings.host()
            + ":"
            + settings.port()
            + "/"
            + role.name().toLowerCase(java.util.Locale.ROOT)
            + "#"
            + index;
  }

  /** Connects and binds in the background; to be called on the session's context. */
  void start() {
    NetClientOptions options =
        new NetClientOptions()
            .setConnectTimeout(
                (int) Math.min(Integer.MAX_VALUE, settings.responseTimeout().toMillis()))
            .setTcpNoDelay(true)
            .setTcpKeepAlive(true)
            .setSsl(settings.tls());
    if (settings.tls()) {
      options.setTrustAll(settings.trustAll());
      options.setHostnameVerificationAlgorithm(settings.trustAll() ? "" : "HTTPS");
    }
    client = vertx.createNetClient(options);
    connect();
  }

  /**
   * Unbinds (after the outstanding submits are answered or time out), then closes; to be called on
   * the session's context.
   */
  Future<Void> stop() {
    stopping = true;
    vertx.cancelTimer(reconnectTimer);
    vertx.cancelTimer(keepAliveTimer);
    vertx.cancelTimer(pauseTimer);
    for (SubmitJob job : queue) {
      job.fail(SubmitResult.Status.NOT_BOUND, 0, "client closing, not sent");
    }
    queue.clear();
    setBound(false);
    if (socket == null) {
      return client.close();
    }
    NetSocket closing = socket;
    Future<Void> idle = submitsOutstanding == 0 ? Future.succeededFuture() : drained().future();
    return idle.recover(e -> Future.succeededFuture())
        .compose(v -> request(Pdu.UNBIND, Pdu.Empty.INSTANCE).<Void>mapEmpty())
        .recover(e -> Future.succeededFuture())
        .compose(v -> closing.close())
        .recover(e -> Future.succeededFuture())
        .compose(v -> client.close());
  }

  private Promise<Void> drained() {
    if (drained == null) {
      drained = Promise.promise();
      long timer =
          vertx.setTimer(
              settings.responseTimeout().toMillis(),
              id -> drained.tryFail(new NoResponse("drain timed out", true)));
      drained.future().onComplete(ar -> vertx.cancelTimer(timer));
    }
    return drained;
  }

  boolean submittable() {
    return submittable;
  }

  int windowInUse() {
    return windowInUse;
  }

  /** deliver_sm and data_sm received and not yet answered. */
  int deliveriesOpen() {
    return deliveriesOpen;
  }

  /** Sends what the queue holds, if the window allows; to be called on the session's context. */
  void resume() {
    drain();
  }

  /**
   * Ends the queued submits that have waited too long ({@link #expired}); to be called on the
   * session's context. Their wait may have no other end in sight: while the SMSC's deliveries are
   * backed up, nothing else looks at the queue.
   */
  void expireWaiting() {
    long now = System.nanoTime();
    queue.removeIf(job -> expired(job, now));
  }

  Role role() {
    return role;
  }

  /** Queues a submit on this connection; callable from any thread. */
  void submit(SubmitJob job) {
    context.runOnContext(
        v -> {
          if (!bound || stopping) {
            owner.redispatch(List.of(job));
            return;
          }
          queue.addLast(job);
          drain();
        });
  }

  // ---- connecting and binding ----

  private void connect() {
    if (stopping) {
      return;
    }
    client
        .connect(settings.port(), settings.host())
        .onSuccess(this::connected)
        .onFailure(
            e -> {
              LOG.warn("SMPP [{}] connect failed: {}", name, e.getMessage());
              reconnectLater();
            });
  }

  private void connected(NetSocket s) {
    if (stopping) {
      s.close();
      return;
    }
    socket = s;
    inbound = Buffer.buffer();
    s.handler(data -> onData(s, data));
    s.closeHandler(v -> onClosed(s));
    s.exceptionHandler(e -> LOG.debug("SMPP [{}] socket error: {}", name, e.getMessage()));
    Pdu.Bind bind =
        new Pdu.Bind(
            settings.systemId(),
            settings.password(),
            settings.systemType(),
            INTERFACE_VERSION,
            0,
            0,
            "");
    request(role.bindCommand, bind)
        .onSuccess(
            resp -> {
              if (resp.status() != CommandStatus.ESME_ROK) {
                LOG.warn("SMPP [{}] bind refused: {}", name, CommandStatus.describe(resp.status()));
                s.close();
                return;
              }
              LOG.info("SMPP [{}] bound", name);
              reconnectAttempt = 0;
              setBound(true);
              keepAliveTimer =
                  vertx.setPeriodic(
                      settings.enquireLinkInterval().toMillis(), id -> enquireLink(s));
              drain();
            })
        .onFailure(
            e -> {
              LOG.warn("SMPP [{}] bind failed: {}", name, e.getMessage());
              s.close();
            });
  }

  private void enquireLink(NetSocket s) {
    if (s != socket) {
      return;
    }
    request(Pdu.ENQUIRE_LINK, Pdu.Empty.INSTANCE)
        .onFailure(
            e -> {
              if (s == socket && e instanceof NoResponse nr && nr.written && !stopping) {
                LOG.warn("SMPP [{}] enquire_link unanswered, reconnecting", name);
                s.close();
              }
            });
  }

  private void onClosed(NetSocket s) {
    if (s != socket) {
      return;
    }
    socket = null;
    vertx.cancelTimer(keepAliveTimer);
    setBound(false);
    List<Outstanding> lost = new ArrayList<>(outstanding.values());
    outstanding.clear();
    submitsOutstanding = 0;
    windowInUse = 0;
    for (Outstanding o : lost) {
      vertx.cancelTimer(o.timer);
      o.response.tryFail(new NoResponse("connection lost before the response", true));
    }
    if (drained != null) {
      drained.tryComplete();
    }
    // Queued submits: those not begun go to another connection; a message with parts accepted
    // stays on this bind by contract, so it ends here with the ids it has.
    List<SubmitJob> fresh = new ArrayList<>();
    for (SubmitJob job : queue) {
      if (job.next == 0) {
        fresh.add(job);
      } else {
        job.fail(SubmitResult.Status.RETRYABLE, 0, "connection lost before the part was sent");
      }
    }
    queue.clear();
    if (!fresh.isEmpty()) {
      owner.redispatch(fresh);
    }
    if (!stopping) {
      LOG.info("SMPP [{}] connection closed", name);
      reconnectLater();
    }
  }

  private void reconnectLater() {
    if (stopping) {
      return;
    }
    long delay =
        reconnectDelayMillis(
            reconnectAttempt++,
            settings.reconnectMin(),
            settings.reconnectMax(),
            ThreadLocalRandom.current().nextDouble());
    reconnectTimer = vertx.setTimer(delay, id -> connect());
  }

  /**
   * The pause before reconnect attempt {@code attempt} (0 for the first): min doubling per attempt
   * up to max, then a point in its upper half picked by {@code random} (0..1), so that the binds of
   * many instances do not reconnect in step.
   */
  static long reconnectDelayMillis(int attempt, Duration min, Duration max, double random) {
    long base = Math.max(1, min.toMillis()) << Math.min(attempt, 20);
    long delay = Math.min(base, Math.max(1, max.toMillis()));
    return Math.max(1, delay / 2 + Math.round(random * (delay - delay / 2)));
  }

  private void setBound(boolean now) {
    bound = now;
    boolean was = submittable;
    submittable = now && role.submits() && !stopping;
    if (was != submittable) {
      owner.bindChanged();
    }
  }

  // ---- the window ----

  private void drain() {
    long now = System.nanoTime();
    while (bound
        && !stopping
        && !queue.isEmpty()
        && submitsOutstanding < settings.windowSize()
        && !paused) {
      if (expired(queue.peekFirst(), now)) {
        queue.pollFirst();
      } else if (owner.takeSubmitTurn()) {
        sendPart(queue.pollFirst());
      } else {
        return;
      }
    }
  }

  /**
   * Ends a submit THROTTLED (the dispatcher tries it again a little later, never counting it as an
   * outage) when it has been throttled for longer than maxThrottleWait, or has waited that long
   * with none of its parts written: for the window, or behind the SMSC's unanswered deliveries. So
   * a submit is written in time for its answer to come before the send's deadline, or not at all.
   */
  private boolean expired(SubmitJob job, long now) {
    long max = settings.maxThrottleWait().toNanos();
    if (job.throttled && now - job.throttledSince > max) {
      job.fail(
          SubmitResult.Status.THROTTLED,
          job.throttleStatus,
          "throttled for longer than " + settings.maxThrottleWait().toMillis() + " ms");
      return true;
    }
    if (job.next == 0 && now - job.createdAt > max) {
      job.fail(
          SubmitResult.Status.THROTTLED,
          0,
          "not sent: waited longer than " + settings.maxThrottleWait().toMillis() + " ms");
      return true;
    }
    return false;
  }

  private void sendPart(SubmitJob job) {
    SmsText.Split split = job.split;
    boolean udh = split.concatenated();
    Pdu.ShortMessage sm =
        new Pdu.ShortMessage(
            "",
            settings.source(),
            job.destination,
            udh ? 0x40 : 0x00, // UDHI
            0,
            0,
            "",
            "",
            1, // registered_delivery: a receipt on final outcome
            0,
            split.dataCoding(),
            0,
            split.parts().get(job.next));
    request(Pdu.SUBMIT_SM, sm).onComplete(ar -> answered(job, ar.result(), ar.cause()));
  }

  private void answered(SubmitJob job, Pdu resp, Throwable failure) {
    if (failure != null) {
      if (failure instanceof NoResponse nr && !nr.written) {
        job.fail(SubmitResult.Status.RETRYABLE, 0, failure.getMessage());
      } else if (failure instanceof NoResponse) {
        job.fail(SubmitResult.Status.UNKNOWN, 0, failure.getMessage() + "; may have been accepted");
      } else if (failure instanceof PduException bad) {
        // The message cannot be written (an address too long for its field): nothing was sent,
        // and the same message would fail the same way again.
        job.fail(SubmitResult.Status.PERMANENT, bad.status(), "not sent: " + bad.getMessage());
      } else {
        job.fail(SubmitResult.Status.RETRYABLE, 0, "not sent: " + failure.getMessage());
      }
    } else if (resp.commandId() == Pdu.GENERIC_NACK) {
      job.fail(
          SubmitResult.Status.RETRYABLE,
          resp.status(),
          "generic_nack " + CommandStatus.describe(resp.status()));
    } else if (resp.status() == CommandStatus.ESME_ROK) {
      throttlePause = settings.throttleBackoff();
      job.messageIds.add(((Pdu.IdBody) resp.body()).id());
      job.next++;
      if (job.next == job.split.parts().size()) {
        job.ok();
      } else {
        queue.addFirst(job); // the next part, ahead of messages not yet begun
      }
    } else if (CommandStatus.isThrottle(resp.status())) {
      owner.throttled();
      job.throttleStatus = resp.status();
      if (!job.throttled) {
        job.throttled = true;
        job.throttledSince = System.nanoTime();
      }
      pause();
      queue.addFirst(job);
    } else {
      SubmitResult.Status status =
          CommandStatus.isPermanent(resp.status())
              ? SubmitResult.Status.PERMANENT
              : SubmitResult.Status.RETRYABLE;
      job.fail(status, resp.status(), CommandStatus.describe(resp.status()));
    }
    drain();
  }

  /**
   * Pauses this connection's submits after a throttle answer. The answers to submits already in the
   * window often come throttled together; only one arriving after the pause has ended doubles it,
   * so a burst counts as one step (1 s, 2 s, ... 16 s by default).
   */
  private void pause() {
    if (paused) {
      return;
    }
    paused = true;
    Duration pause = throttlePause;
    Duration doubled = pause.multipliedBy(2);
    if (doubled.compareTo(MAX_THROTTLE_PAUSE) <= 0) {
      throttlePause = doubled;
    } else if (pause.compareTo(MAX_THROTTLE_PAUSE) < 0) {
      throttlePause = MAX_THROTTLE_PAUSE;
    }
    pauseTimer =
        vertx.setTimer(
            Math.max(1, pause.toMillis()),
            id -> {
              paused = false;
              drain();
            });
  }

  // ---- requests and responses ----

  private Future<Pdu> request(int commandId, Pdu.Body body) {
    NetSocket s = socket;
    if (s == null) {
      return Future.failedFuture(new NoResponse("not connected", false));
    }
    sequence = sequence == 0x7FFFFFFF ? 1 : sequence + 1;
    int seq = sequence;
    Buffer wire;
    try {
      wire = PduCodec.encode(Pdu.of(commandId, 0, seq, body));
    } catch (PduException e) {
      return Future.failedFuture(e);
    }
    Outstanding o = new Outstanding(commandId == Pdu.SUBMIT_SM);
    outstanding.put(seq, o);
    if (o.submit) {
      submitsOutstanding++;
      windowInUse = submitsOutstanding;
    }
    o.timer =
        vertx.setTimer(
            settings.responseTimeout().toMillis(),
            id -> {
              if (outstanding.remove(seq) == o) {
                settled(o);
                o.response.tryFail(
                    new NoResponse(
                        "no response within " + settings.responseTimeout().toMillis() + " ms",
                        true));
              }
            });
    s.write(wire);
    return o.response.future();
  }

  private void settled(Outstanding o) {
    if (o.submit) {
      submitsOutstanding--;
      windowInUse = submitsOutstanding;
      if (submitsOutstanding == 0 && drained != null) {
        drained.tryComplete();
      }
    }
  }

  private void onData(NetSocket s, Buffer data) {
    inbound.appendBuffer(data);
    int offset = 0;
    while (s == socket && inbound.length() - offset >= 4) {
      long length = inbound.getUnsignedInt(offset);
      if (length < Pdu.HEADER_LENGTH || length > PduCodec.MAX_PDU_LENGTH) {
        LOG.warn("SMPP [{}] command_length {} out of bounds, closing", name, length);
        write(s, Pdu.of(Pdu.GENERIC_NACK, CommandStatus.ESME_RINVCMDLEN, 0, Pdu.Empty.INSTANCE));
        s.close();
        return;
      }
      if (inbound.length() - offset < length) {
        break;
      }
      Buffer frame = inbound.getBuffer(offset, offset + (int) length);
      offset += (int) length;
      received(s, frame);
    }
    if (offset > 0) {
      inbound = inbound.getBuffer(offset, inbound.length());
    }
  }

  private void received(NetSocket s, Buffer frame) {
    Pdu pdu;
    try {
      pdu = PduCodec.decode(frame);
    } catch (PduException e) {
      int commandId = frame.getInt(4);
      int seq = frame.getInt(12);
      LOG.warn(
          "SMPP [{}] unreadable PDU 0x{}: {}",
          name,
          Integer.toHexString(commandId),
          e.getMessage());
      if ((commandId & Pdu.RESPONSE) == 0) {
        write(s, Pdu.of(Pdu.GENERIC_NACK, e.status(), seq, Pdu.Empty.INSTANCE));
      }
      return;
    }
    if (pdu.isResponse()) {
      Outstanding o = outstanding.remove(pdu.sequence());
      if (o == null) {
        LOG.debug("SMPP [{}] response to an unknown or expired sequence {}", name, pdu.sequence());
        return;
      }
      vertx.cancelTimer(o.timer);
      settled(o);
      o.response.tryComplete(pdu);
      return;
    }
    switch (pdu.commandId()) {
      case Pdu.ENQUIRE_LINK ->
          write(s, Pdu.of(Pdu.ENQUIRE_LINK | Pdu.RESPONSE, 0, pdu.sequence(), Pdu.Empty.INSTANCE));
      case Pdu.UNBIND -> {
        LOG.info("SMPP [{}] the SMSC unbinds", name);
        setBound(false);
        write(s, Pdu.of(Pdu.UNBIND | Pdu.RESPONSE, 0, pdu.sequence(), Pdu.Empty.INSTANCE));
        s.close();
      }
      case Pdu.DELIVER_SM, Pdu.DATA_SM -> deliver(s, pdu);
      case Pdu.ALERT_NOTIFICATION -> {} // has no response (SMPP 3.4 §4.12)
      default ->
          write(
              s,
              Pdu.of(
                  Pdu.GENERIC_NACK,
                  CommandStatus.ESME_RINVCMDID,
                  pdu.sequence(),
                  Pdu.Empty.INSTANCE));
    }
  }

  private void deliver(NetSocket s, Pdu pdu) {
    deliveriesOpen = ++deliveries;
    if (deliveriesBackedUp) {
      if (deliveries > settings.windowSize() / 2) {
        deliveriesLowSince = 0;
      }
    } else if (deliveries >= settings.windowSize()) {
      deliveriesBackedUp = true;
      deliveriesLowSince = 0;
      owner.deliveriesBackedUp(true);
    }
    Future<Integer> status;
    try {
      status = owner.onDeliver(pdu);
    } catch (RuntimeException e) {
      LOG.warn("SMPP [{}] deliver_sm handling failed: {}", name, e.toString());
      status = Future.succeededFuture(CommandStatus.ESME_RX_T_APPN);
    }
    int respId = pdu.commandId() | Pdu.RESPONSE;
    status.onComplete(
        ar -> {
          int code = ar.succeeded() ? ar.result() : CommandStatus.ESME_RX_T_APPN;
          Pdu resp = Pdu.of(respId, code, pdu.sequence(), new Pdu.IdBody(""));
          if (Vertx.currentContext() == context) {
            answerDelivery(s, resp);
          } else {
            context.runOnContext(v -> answerDelivery(s, resp));
          }
        });
  }

  private void answerDelivery(NetSocket s, Pdu resp) {
    write(s, resp);
    deliveriesOpen = --deliveries;
    if (deliveriesBackedUp && deliveries <= settings.windowSize() / 2 && deliveriesLowSince == 0) {
      deliveriesLowSince = System.nanoTime();
      vertx.setTimer(DELIVERIES_SETTLE.toMillis(), id -> settleDeliveries());
    }
    owner.deliveryAnswered();
  }

  /** Ends the backed-up state once the deliveries have stayed low for DELIVERIES_SETTLE. */
  private void settleDeliveries() {
    if (!deliveriesBackedUp || deliveriesLowSince == 0) {
      return; // back up again since; the next dip looks again
    }
    long left = DELIVERIES_SETTLE.toNanos() - (System.nanoTime() - deliveriesLowSince);
    if (left > 0) {
      vertx.setTimer(Math.max(1, left / 1_000_000), id -> settleDeliveries());
      return;
    }
    deliveriesBackedUp = false;
    deliveriesLowSince = 0;
    owner.deliveriesBackedUp(false);
  }

  private void write(NetSocket s, Pdu pdu) {
    if (s == socket) {
      s.write(PduCodec.encode(pdu));
    }
  }
}
