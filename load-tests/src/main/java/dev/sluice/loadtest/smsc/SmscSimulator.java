package dev.sluice.loadtest.smsc;

import dev.sluice.loadtest.Args;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jsmpp.PDUStringException;
import org.jsmpp.SMPPConstant;
import org.jsmpp.bean.BindType;
import org.jsmpp.bean.CancelSm;
import org.jsmpp.bean.DataCodings;
import org.jsmpp.bean.DataSm;
import org.jsmpp.bean.ESMClass;
import org.jsmpp.bean.MessageState;
import org.jsmpp.bean.NumberingPlanIndicator;
import org.jsmpp.bean.OptionalParameter;
import org.jsmpp.bean.QuerySm;
import org.jsmpp.bean.RegisteredDelivery;
import org.jsmpp.bean.ReplaceSm;
import org.jsmpp.bean.SubmitMulti;
import org.jsmpp.bean.SubmitSm;
import org.jsmpp.bean.TypeOfNumber;
import org.jsmpp.extra.ProcessRequestException;
import org.jsmpp.extra.SessionState;
import org.jsmpp.session.BindRequest;
import org.jsmpp.session.BroadcastSmResult;
import org.jsmpp.session.DataSmResult;
import org.jsmpp.session.QueryBroadcastSmResult;
import org.jsmpp.session.QuerySmResult;
import org.jsmpp.session.SMPPServerSession;
import org.jsmpp.session.SMPPServerSessionListener;
import org.jsmpp.session.ServerMessageReceiverListener;
import org.jsmpp.session.ServerResponseDeliveryAdapter;
import org.jsmpp.session.Session;
import org.jsmpp.session.SubmitMultiResult;
import org.jsmpp.session.SubmitSmResult;
import org.jsmpp.session.connection.Connection;
import org.jsmpp.session.connection.ServerConnection;
import org.jsmpp.session.connection.ServerConnectionFactory;
import org.jsmpp.session.connection.socket.SocketConnection;

/**
 * An SMSC for benchmarks, on jsmpp (an SMPP implementation independent of the gateway's): accepts
 * binds with the one {@code --system-id} / {@code --password} it is given (transmitter, receiver or
 * transceiver), answers every submit_sm at once with a unique decimal message id, counts submits
 * per destination, and — for each submit asking for one — sends a delivery receipt (deliver_sm,
 * esm_class 0x04, {@code id:… stat:DELIVRD …} text, {@code receipted_message_id} and {@code
 * message_state} TLVs) after {@code --receipt-delay-ms} on the submitting session if it can
 * receive, else on a receiver bind of the same system id. The time from the submit to the receipt's
 * deliver_sm_resp is the round's latency.
 *
 * <p>A small HTTP control port (Vert.x, one event loop): {@code POST /round?name=X} starts a new
 * round (fresh counters), {@code GET /stats} the live counters, {@code POST
 * /summary?out=PREFIX[&expect=FILE]} writes PREFIX.json and PREFIX.destinations (see {@link
 * SmscRound#summarise}).
 *
 * <pre>
 * --system-id ID --password PW [--host 127.0.0.1 --port 0 --port-file F]
 * [--control-port 0 --control-port-file F] [--receipt-delay-ms 0] [--receipt-threads 64]
 * [--pdu-threads 3] [--capacity 4000000] [--summary-out PREFIX] [--max-lifetime-s 3600]
 * </pre>
 */
public final class SmscSimulator implements ServerMessageReceiverListener {
  private static final DateTimeFormatter RECEIPT_DATE = DateTimeFormatter.ofPattern("yyMMddHHmm");

  private final String systemId;
  private final String password;
  private final long receiptDelayMs;
  private final int capacity;
  private final AtomicLong ids = new AtomicLong(System.currentTimeMillis() % 1_000_000 * 1_000_000);
  private final Map<String, Submitted> pending = new ConcurrentHashMap<>();
  private final Map<String, BindType> binds = new ConcurrentHashMap<>();
  private final List<SMPPServerSession> receivers = new CopyOnWriteArrayList<>();
  private final AtomicInteger nextReceiver = new AtomicInteger();
  private final ExecutorService receiptSenders;
  private final ScheduledExecutorService receiptTimer =
      Executors.newSingleThreadScheduledExecutor(daemon("smsc-receipt-timer"));
  private final List<SMPPServerSession> sessions = new CopyOnWriteArrayList<>();
  private volatile SmscRound round;
  private ServerSocket socket;
  private Vertx vertx;
  private HttpServer control;

  /** What a receipt needs of its submit_sm. */
  private record Submitted(
      SmscRound round,
      long nanos,
      SMPPServerSession session,
      byte sourceTon,
      byte sourceNpi,
      String source,
      byte destinationTon,
      byte destinationNpi,
      String destination) {}

  private SmscSimulator(
      String systemId, String password, long receiptDelayMs, int receiptThreads, int capacity) {
    this.systemId = systemId;
    this.password = password;
    this.receiptDelayMs = receiptDelayMs;
    this.capacity = capacity;
    this.receiptSenders =
        Executors.newFixedThreadPool(receiptThreads, daemon("smsc-receipt-sender"));
    this.round = new SmscRound("initial", capacity);
  }

  /** Starts the simulator from its command-line options (the class comment lists them). */
  public static SmscSimulator start(Args a) throws IOException {
    SmscSimulator smsc =
        new SmscSimulator(
            a.required("system-id"),
            a.required("password"),
            a.longValue("receipt-delay-ms", 0),
            a.integer("receipt-threads", 64),
            a.integer("capacity", 4_000_000));
    String host = a.string("host", "127.0.0.1");
    smsc.socket = new ServerSocket(a.integer("port", 0), 128, InetAddress.getByName(host));
    SMPPServerSessionListener listener =
        new SMPPServerSessionListener(0, new NoDelayServerConnection(smsc.socket));
    listener.setPduProcessorDegree(a.integer("pdu-threads", 3));
    listener.setQueueCapacity(1_000_000);
    listener.setMessageReceiverListener(smsc);
    listener.setResponseDeliveryListener(
        new ServerResponseDeliveryAdapter() {
          @Override
          public void onSubmitSmRespSent(SubmitSmResult result, SMPPServerSession source) {
            smsc.respSent(result.getMessageId());
          }
        });
    listener.setSessionStateListener(smsc::stateChanged);
    smsc.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    smsc.control =
        smsc.vertx
            .createHttpServer()
            .requestHandler(smsc.controlRouter(smsc.vertx))
            .listen(a.integer("control-port", 0), host)
            .await();
    daemon("smsc-accept").newThread(() -> smsc.acceptLoop(listener)).start();
    return smsc;
  }

  public static void main(String[] argv) throws Exception {
    Args a = Args.parse(argv);
    SmscSimulator smsc = start(a);
    write(a.string("port-file", null), smsc.smppPort());
    write(a.string("control-port-file", null), smsc.controlPort());
    System.out.println(
        "SMSC simulator: SMPP on port "
            + smsc.smppPort()
            + ", control on port "
            + smsc.controlPort());
    String summaryOut = a.string("summary-out", null);
    if (summaryOut != null) {
      Runtime.getRuntime()
          .addShutdownHook(new Thread(() -> smsc.writeSummary(Path.of(summaryOut))));
    }
    Thread.sleep(TimeUnit.SECONDS.toMillis(a.longValue("max-lifetime-s", 3600)));
    System.out.println("SMSC simulator: max lifetime reached, exiting");
    System.exit(0);
  }

  public int smppPort() {
    return socket.getLocalPort();
  }

  public int controlPort() {
    return control.actualPort();
  }

  /** Stops listening and closes every session, the control port and the threads. */
  public void close() throws IOException {
    socket.close();
    for (SMPPServerSession s : sessions) {
      s.unbindAndClose();
    }
    receiptSenders.shutdownNow();
    receiptTimer.shutdownNow();
    vertx.close().await();
  }

  private void writeSummary(Path out) {
    try {
      round.summarise(out, null);
    } catch (IOException e) {
      System.err.println("summary not written: " + e.getMessage());
    }
  }

  private void acceptLoop(SMPPServerSessionListener listener) {
    while (!socket.isClosed()) {
      try {
        SMPPServerSession session = listener.accept();
        sessions.add(session);
        daemon("smsc-bind").newThread(() -> bind(session)).start();
      } catch (IOException e) {
        if (!socket.isClosed()) {
          System.err.println("SMSC simulator: accept failed: " + e);
        }
      }
    }
  }

  // --- binds -------------------------------------------------------------------------------------

  private void bind(SMPPServerSession session) {
    try {
      BindRequest request = session.waitForBind(10_000);
      if (!systemId.equals(request.getSystemId())) {
        request.reject(SMPPConstant.STAT_ESME_RINVSYSID);
        return;
      }
      if (!password.equals(request.getPassword())) {
        request.reject(SMPPConstant.STAT_ESME_RINVPASWD);
        return;
      }
      session.setTransactionTimer(30_000);
      session.setEnquireLinkTimer(30_000);
      binds.put(session.getSessionId(), request.getBindType());
      if (request.getBindType().isReceivable()) {
        receivers.add(session);
      }
      request.accept(systemId);
      System.out.println(
          "SMSC simulator: " + request.getBindType() + " bound (" + session.getSessionId() + ")");
    } catch (Exception e) {
      System.err.println("SMSC simulator: bind failed: " + e);
    }
  }

  private void stateChanged(SessionState now, SessionState before, Session source) {
    if (!now.isBound() && source instanceof SMPPServerSession s) {
      receivers.remove(s);
      if (now == SessionState.CLOSED) {
        sessions.remove(s);
      }
      if (binds.remove(s.getSessionId()) != null) {
        System.out.println("SMSC simulator: session " + s.getSessionId() + " " + now);
      }
    }
  }

  // --- submits and receipts ----------------------------------------------------------------------

  @Override
  public SubmitSmResult onAcceptSubmitSm(SubmitSm submit, SMPPServerSession source)
      throws ProcessRequestException {
    long now = System.nanoTime();
    String id = Long.toString(ids.incrementAndGet());
    SmscRound r = round;
    r.submitted(submit.getDestAddress(), now);
    if ((submit.getRegisteredDelivery() & 0x03) != 0) {
      pending.put(
          id,
          new Submitted(
              r,
              now,
              source,
              submit.getSourceAddrTon(),
              submit.getSourceAddrNpi(),
              submit.getSourceAddr(),
              submit.getDestAddrTon(),
              submit.getDestAddrNpi(),
              submit.getDestAddress()));
    }
    try {
      return new SubmitSmResult(new org.jsmpp.util.MessageId(id), new OptionalParameter[0]);
    } catch (PDUStringException e) {
      throw new ProcessRequestException(e.getMessage(), SMPPConstant.STAT_ESME_RSYSERR);
    }
  }

  /** The submit_sm_resp is on the wire: the receipt may follow (never before it). */
  private void respSent(String id) {
    Submitted s = pending.remove(id);
    if (s == null) {
      return;
    }
    if (receiptDelayMs <= 0) {
      receiptSenders.execute(() -> sendReceipt(id, s));
    } else {
      receiptTimer.schedule(
          () -> receiptSenders.execute(() -> sendReceipt(id, s)),
          receiptDelayMs,
          TimeUnit.MILLISECONDS);
    }
  }

  /** Blocks its receipt-sender thread until the deliver_sm_resp (jsmpp's send is synchronous). */
  private void sendReceipt(String id, Submitted s) {
    SMPPServerSession to = receiverFor(s.session);
    if (to == null) {
      s.round.receiptFailed();
      return;
    }
    String date = ZonedDateTime.now(ZoneOffset.UTC).format(RECEIPT_DATE);
    String text =
        "id:"
            + id
            + " sub:001 dlvrd:001 submit date:"
            + date
            + " done date:"
            + date
            + " stat:DELIVRD err:000 text:";
    try {
      s.round.receiptSent();
      long sent = System.nanoTime();
      to.deliverShortMessage(
          "",
          TypeOfNumber.valueOf(s.destinationTon),
          NumberingPlanIndicator.valueOf(s.destinationNpi),
          s.destination,
          TypeOfNumber.valueOf(s.sourceTon),
          NumberingPlanIndicator.valueOf(s.sourceNpi),
          s.source,
          new ESMClass(0x04),
          (byte) 0,
          (byte) 0,
          new RegisteredDelivery(0),
          DataCodings.ZERO,
          text.getBytes(StandardCharsets.US_ASCII),
          new OptionalParameter.Receipted_message_id(id),
          new OptionalParameter.Message_state(MessageState.DELIVERED.value()));
      s.round.receiptAcked(s.nanos, sent);
    } catch (Exception e) {
      s.round.receiptFailed();
    }
  }

  /** The submitting session if it can receive, else the receiver binds in turn. */
  private SMPPServerSession receiverFor(SMPPServerSession submitter) {
    BindType type = binds.get(submitter.getSessionId());
    if (type != null && type.isReceivable()) {
      return submitter;
    }
    List<SMPPServerSession> rx = receivers;
    if (rx.isEmpty()) {
      return null;
    }
    return rx.get(Math.floorMod(nextReceiver.getAndIncrement(), rx.size()));
  }

  // --- control port ------------------------------------------------------------------------------

  private Router controlRouter(Vertx vertx) {
    Router router = Router.router(vertx);
    router.get("/stats").handler(ctx -> ctx.json(round.stats()));
    router
        .post("/round")
        .handler(
            ctx -> {
              round =
                  new SmscRound(
                      ctx.queryParam("name").stream().findFirst().orElse("round"), capacity);
              ctx.json(round.stats());
            });
    router.post("/summary").handler(ctx -> summary(vertx, ctx));
    return router;
  }

  private void summary(Vertx vertx, RoutingContext ctx) {
    String out = ctx.queryParam("out").stream().findFirst().orElse(null);
    if (out == null) {
      ctx.response().setStatusCode(400).end("{\"error\":\"out is required\"}");
      return;
    }
    String expect = ctx.queryParam("expect").stream().findFirst().orElse(null);
    SmscRound r = round;
    vertx
        .executeBlocking(() -> r.summarise(Path.of(out), expect == null ? null : Path.of(expect)))
        .onSuccess(ctx::json)
        .onFailure(
            e ->
                ctx.response()
                    .setStatusCode(500)
                    .end(new io.vertx.core.json.JsonObject().put("error", e.toString()).encode()));
  }

  // --- what the simulator does not support -------------------------------------------------------

  @Override
  public SubmitMultiResult onAcceptSubmitMulti(SubmitMulti m, SMPPServerSession s)
      throws ProcessRequestException {
    throw unsupported();
  }

  @Override
  public QuerySmResult onAcceptQuerySm(QuerySm q, SMPPServerSession s)
      throws ProcessRequestException {
    throw unsupported();
  }

  @Override
  public void onAcceptReplaceSm(ReplaceSm r, SMPPServerSession s) throws ProcessRequestException {
    throw unsupported();
  }

  @Override
  public void onAcceptCancelSm(CancelSm c, SMPPServerSession s) throws ProcessRequestException {
    throw unsupported();
  }

  @Override
  public BroadcastSmResult onAcceptBroadcastSm(org.jsmpp.bean.BroadcastSm b, SMPPServerSession s)
      throws ProcessRequestException {
    throw unsupported();
  }

  @Override
  public void onAcceptCancelBroadcastSm(org.jsmpp.bean.CancelBroadcastSm c, SMPPServerSession s)
      throws ProcessRequestException {
    throw unsupported();
  }

  @Override
  public QueryBroadcastSmResult onAcceptQueryBroadcastSm(
      org.jsmpp.bean.QueryBroadcastSm q, SMPPServerSession s) throws ProcessRequestException {
    throw unsupported();
  }

  @Override
  public DataSmResult onAcceptDataSm(DataSm d, Session s) throws ProcessRequestException {
    throw unsupported();
  }

  private static ProcessRequestException unsupported() {
    return new ProcessRequestException("not supported", SMPPConstant.STAT_ESME_RINVCMDID);
  }

  // --- plumbing ----------------------------------------------------------------------------------

  private static void write(String file, int port) throws IOException {
    if (file != null) {
      Files.writeString(Path.of(file), Integer.toString(port));
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Listens on the given (already bound) socket, whatever port jsmpp asks for; accepted connections
   * send without Nagle's delay.
   */
  private record NoDelayServerConnection(ServerSocket socket)
      implements ServerConnection, ServerConnectionFactory {
    @Override
    public ServerConnection listen(int port) {
      return this;
    }

    @Override
    public ServerConnection listen(int port, int timeout) throws IOException {
      socket.setSoTimeout(timeout);
      return this;
    }

    @Override
    public ServerConnection listen(int port, int timeout, int backlog) throws IOException {
      return listen(port, timeout);
    }

    @Override
    public Connection accept() throws IOException {
      Socket s = socket.accept();
      s.setTcpNoDelay(true);
      return new SocketConnection(s);
    }

    @Override
    public void setSoTimeout(int timeout) throws IOException {
      socket.setSoTimeout(timeout);
    }

    @Override
    public int getSoTimeout() throws IOException {
      return socket.getSoTimeout();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
