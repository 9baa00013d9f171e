package dev.sluice.gateway.connector.smpp;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import net.freeutils.charset.CharsetProvider;
import org.jsmpp.SMPPConstant;
import org.jsmpp.bean.BindType;
import org.jsmpp.bean.BroadcastSm;
import org.jsmpp.bean.CancelBroadcastSm;
import org.jsmpp.bean.CancelSm;
import org.jsmpp.bean.DataSm;
import org.jsmpp.bean.DeliveryReceipt;
import org.jsmpp.bean.ESMClass;
import org.jsmpp.bean.EnquireLink;
import org.jsmpp.bean.NumberingPlanIndicator;
import org.jsmpp.bean.OptionalParameter;
import org.jsmpp.bean.QueryBroadcastSm;
import org.jsmpp.bean.QuerySm;
import org.jsmpp.bean.RawDataCoding;
import org.jsmpp.bean.RegisteredDelivery;
import org.jsmpp.bean.ReplaceSm;
import org.jsmpp.bean.SubmitMulti;
import org.jsmpp.bean.SubmitSm;
import org.jsmpp.bean.TypeOfNumber;
import org.jsmpp.extra.NegativeResponseException;
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
import org.jsmpp.session.Session;
import org.jsmpp.session.SubmitMultiResult;
import org.jsmpp.session.SubmitSmResult;
import org.jsmpp.session.connection.ServerConnection;
import org.jsmpp.session.connection.ServerConnectionFactory;
import org.jsmpp.session.connection.socket.ServerSocketConnection;
import org.jsmpp.util.DeliveryReceiptState;
import org.jsmpp.util.MessageId;

/**
 * An SMSC for tests, built on jsmpp's server session so that Sluice's SMPP codec is checked by an
 * independent implementation (and GSM 03.38 text is decoded with jcharset, not Sluice's tables). It
 * listens on a free port, checks the bind's system_id/password, answers submit_sm with ids in hex
 * (or a scripted command_status for the first N), can hold its answers to let a client's window
 * fill, records the highest number of unanswered submit_sm it saw on one connection, reassembles
 * concatenated parts by their UDH, and sends receipts and MO messages to a bound receiver or
 * transceiver.
 *
 * <p>jsmpp handles each received PDU on a worker thread of the connection; the pool is sized well
 * above any window a test uses, so that a held answer never keeps the next PDU from being counted.
 */
public final class SmscSimulator implements AutoCloseable {
  /** How a receipt carries its fields. */
  public enum ReceiptForm {
    TEXT,
    TLVS,
    BOTH
  }

  /** How an MO message's parts say they belong together. */
  public enum Concatenation {
    UDH_8BIT,
    UDH_16BIT,
    SAR_TLVS
  }

  /** One accepted submit_sm part as the SMSC read it. */
  public record Submit(
      String destination,
      int dataCoding,
      int esmClass,
      int registeredDelivery,
      byte[] shortMessage,
      String messageId) {}

  private static final Charset GSM = new CharsetProvider().charsetForName("SCGSM");

  private final String systemId;
  private final String password;
  private final SMPPServerSessionListener server;
  private final int port;
  private final Thread acceptor;
  private final ExecutorService workers = Executors.newCachedThreadPool();
  private final List<SMPPServerSession> sessions = new CopyOnWriteArrayList<>();
  private final Map<SMPPServerSession, BindType> bound = new ConcurrentHashMap<>();
  private final Map<SMPPServerSession, AtomicInteger> unanswered = new ConcurrentHashMap<>();
  // Queues and a map rather than copy-on-write lists: a load run accepts many thousands.
  private final Queue<Submit> accepted = new ConcurrentLinkedQueue<>();
  private final Map<String, String> recipients = new ConcurrentHashMap<>();
  private final Queue<String> texts = new ConcurrentLinkedQueue<>();
  private volatile String autoReceipt;
  private final Map<String, String[]> parts = new ConcurrentHashMap<>();
  private final AtomicInteger submitsReceived = new AtomicInteger();
  private final AtomicInteger submitsAnswered = new AtomicInteger();
  private final AtomicInteger maxWindow = new AtomicInteger();
  private final AtomicInteger binds = new AtomicInteger();
  private final AtomicInteger unbinds = new AtomicInteger();
  private final AtomicLong nextId = new AtomicLong(0x1A2B3C00L);
  private final AtomicInteger refuseFirst = new AtomicInteger();
  private volatile int refuseStatus;
  private volatile Duration answerDelay = Duration.ZERO;
  private volatile CountDownLatch enquireLinkGate = new CountDownLatch(0);
  private volatile boolean closed;

  private SmscSimulator(String systemId, String password) throws IOException {
    this.systemId = systemId;
    this.password = password;
    int[] chosen = new int[1];
    ServerConnectionFactory onFreePort =
        new ServerConnectionFactory() {
          @Override
          public ServerConnection listen(int ignored) throws IOException {
            ServerSocket socket = new ServerSocket(0);
            chosen[0] = socket.getLocalPort();
            return new ServerSocketConnection(socket);
          }

          @Override
          public ServerConnection listen(int ignored, int timeout) throws IOException {
            return listen(0);
          }

          @Override
          public ServerConnection listen(int ignored, int timeout, int backlog) throws IOException {
            return listen(0);
          }
        };
    server = new SMPPServerSessionListener(0, onFreePort);
    port = chosen[0];
    server.setPduProcessorDegree(64);
    server.setQueueCapacity(1000);
    server.setMessageReceiverListener(new Receiver());
    acceptor = new Thread(this::acceptLoop, "smsc-simulator-accept-" + port);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Starts an SMSC on a free port that accepts binds with this system_id and password. */
  public static SmscSimulator start(String systemId, String password) {
    try {
      return new SmscSimulator(systemId, password);
    } catch (IOException e) {
      throw new IllegalStateException("SMSC simulator could not listen", e);
    }
  }

  public int port() {
    return port;
  }

  // ---- scripting ----

  /** The next {@code count} submit_sm are answered with {@code commandStatus} (e.g. 0x58). */
  public void refuseNext(int count, int commandStatus) {
    refuseStatus = commandStatus;
    refuseFirst.set(count);
  }

  /** Every submit_sm answer waits this long (on its worker thread) before it is sent. */
  public void delayAnswers(Duration delay) {
    answerDelay = delay;
  }

  /**
   * Sends a receipt with this stat (DELIVRD, UNDELIV, ...; text and TLVs, hex id) for every part
   * accepted from now on, shortly after answering it; null stops.
   */
  public void autoReceipts(String stat) {
    autoReceipt = stat;
  }

  /** Stops answering enquire_link (until {@link #answerEnquireLinks}) to look like a dead link. */
  public void ignoreEnquireLinks() {
    enquireLinkGate = new CountDownLatch(1);
  }

  public void answerEnquireLinks() {
    enquireLinkGate.countDown();
  }

  /** Closes every client connection at once, without unbind (a crashed or restarted SMSC). */
  public void dropConnections() {
    for (SMPPServerSession s : sessions) {
      s.close();
    }
  }

  // ---- what it saw ----

  /** Connections bound now. */
  public int boundConnections() {
    int n = 0;
    for (SMPPServerSession s : sessions) {
      if (s.getSessionState().isBound()) {
        n++;
      }
    }
    return n;
  }

  /** Successful binds so far. */
  public int binds() {
    return binds.get();
  }

  /** unbind requests received from clients. */
  public int unbinds() {
    return unbinds.get();
  }

  /** submit_sm received, accepted or not. */
  public int submitsReceived() {
    return submitsReceived.get();
  }

  /** submit_sm answered (after any delay). */
  public int submitsAnswered() {
    return submitsAnswered.get();
  }

  /** The accepted submit_sm parts, in the order they were accepted. */
  public List<Submit> accepted() {
    return List.copyOf(accepted);
  }

  /** The full texts received: single messages, and concatenated ones once all parts came. */
  public List<String> texts() {
    return List.copyOf(texts);
  }

  /** The most submit_sm one connection had unanswered at once. */
  public int maxWindowSeen() {
    return maxWindow.get();
  }

  // ---- sending to the client ----

  /**
   * Sends a delivery receipt for a message id this SMSC gave, to a bound receiver or transceiver.
   *
   * @param stat DELIVRD, UNDELIV, ...
   * @param decimalId write the id in decimal (it was given in hex)
   * @return the command_status of the client's deliver_sm_resp
   */
  public CompletableFuture<Integer> sendReceipt(
      String messageId, String stat, ReceiptForm form, boolean decimalId) {
    String recipient = recipients.getOrDefault(messageId, "0");
    String id = decimalId ? Long.toString(Long.parseLong(messageId, 16)) : messageId;
    byte[] text = new byte[0];
    List<OptionalParameter> tlvs = new ArrayList<>();
    if (form != ReceiptForm.TLVS) {
      Date now = Date.from(LocalDateTime.of(2026, 12, 5, 21, 30).toInstant(ZoneOffset.UTC));
      DeliveryReceipt receipt =
          new DeliveryReceipt(
              id,
              1,
              stat.equals("DELIVRD") ? 1 : 0,
              now,
              now,
              DeliveryReceiptState.valueOf(stat),
              stat.equals("DELIVRD") ? "000" : "011",
              "");
      text = receipt.toString().getBytes(StandardCharsets.US_ASCII);
    }
    if (form != ReceiptForm.TEXT) {
      tlvs.add(new OptionalParameter.Receipted_message_id(id));
      tlvs.add(new OptionalParameter.Message_state(messageState(stat)));
    }
    byte[] shortMessage = text;
    return deliver(
        recipient,
        "SLUICE",
        new ESMClass(0x04), // SMSC delivery receipt
        0,
        shortMessage,
        tlvs.toArray(new OptionalParameter[0]));
  }

  /**
   * Sends a mobile-originated message; a long one in parts (GSM text of at most 153 characters,
   * UCS-2 of at most 67 per part), all parts at once (a client holds their answers until the whole
   * message is stored), {@code onlyParts} of them if given.
   *
   * @return the command_status of each part's deliver_sm_resp
   */
  public CompletableFuture<List<Integer>> sendMo(
      String from, String to, String text, Concatenation how, int... onlyParts) {
    boolean gsm = GSM.newEncoder().canEncode(text);
    int single = gsm ? 160 : 70;
    int per = gsm ? 153 : 67;
    List<String> chunks = new ArrayList<>();
    if (text.length() <= single) {
      chunks.add(text);
    } else {
      for (int i = 0; i < text.length(); i += per) {
        chunks.add(text.substring(i, Math.min(text.length(), i + per)));
      }
    }
    int ref = (int) (System.nanoTime() & 0xFF);
    List<CompletableFuture<Integer>> answers = new ArrayList<>();
    for (int k = 0; k < chunks.size(); k++) {
      int seq = k + 1;
      if (onlyParts.length > 0 && java.util.Arrays.stream(onlyParts).noneMatch(p -> p == seq)) {
        continue;
      }
      byte[] payload = chunks.get(k).getBytes(gsm ? GSM : StandardCharsets.UTF_16BE);
      List<OptionalParameter> tlvs = new ArrayList<>();
      byte[] sm = payload;
      int esm = 0;
      if (chunks.size() > 1) {
        switch (how) {
          case UDH_8BIT -> {
            sm =
                concat(new byte[] {5, 0, 3, (byte) ref, (byte) chunks.size(), (byte) seq}, payload);
            esm = 0x40;
          }
          case UDH_16BIT -> {
            sm =
                concat(
                    new byte[] {6, 8, 4, 0x12, (byte) ref, (byte) chunks.size(), (byte) seq},
                    payload);
            esm = 0x40;
          }
          case SAR_TLVS -> {
            tlvs.add(new OptionalParameter.Sar_msg_ref_num((short) (0x1200 | ref)));
            tlvs.add(new OptionalParameter.Sar_total_segments((byte) chunks.size()));
            tlvs.add(new OptionalParameter.Sar_segment_seqnum((byte) seq));
          }
        }
      }
      answers.add(
          deliver(
              from,
              to,
              new ESMClass(esm),
              gsm ? 0 : 8,
              sm,
              tlvs.toArray(new OptionalParameter[0])));
    }
    return CompletableFuture.allOf(answers.toArray(new CompletableFuture[0]))
        .thenApply(v -> answers.stream().map(CompletableFuture::join).toList());
  }

  private CompletableFuture<Integer> deliver(
      String from,
      String to,
      ESMClass esm,
      int dataCoding,
      byte[] shortMessage,
      OptionalParameter[] tlvs) {
    SMPPServerSession target =
        bound.entrySet().stream()
            .filter(e -> e.getValue() != BindType.BIND_TX && e.getKey().getSessionState().isBound())
            .map(Map.Entry::getKey)
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no receiver bound"));
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            target.deliverShortMessage(
                "",
                TypeOfNumber.INTERNATIONAL,
                NumberingPlanIndicator.ISDN,
                from,
                TypeOfNumber.ALPHANUMERIC,
                NumberingPlanIndicator.UNKNOWN,
                to,
                esm,
                (byte) 0,
                (byte) 0,
                new RegisteredDelivery(0),
                new RawDataCoding((byte) dataCoding),
                shortMessage,
                tlvs);
            return 0;
          } catch (NegativeResponseException e) {
            return e.getCommandStatus();
          } catch (Exception e) {
            throw new IllegalStateException("deliver_sm failed: " + e, e);
          }
        },
        workers);
  }

  @Override
  public void close() {
    closed = true;
    enquireLinkGate.countDown();
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    dropConnections();
    workers.shutdownNow();
  }

  // ---- server side ----

  private void acceptLoop() {
    while (!closed) {
      try {
        SMPPServerSession session = server.accept();
        sessions.add(session);
        session.setTransactionTimer(30_000); // a client may hold deliver_sm_resp on purpose
        session.addSessionStateListener(
            (now, before, source) -> {
              // Entered only on an unbind; after the client closed at once, from CLOSED.
              if (now == SessionState.UNBOUND) {
                unbinds.incrementAndGet();
              }
              if (now == SessionState.CLOSED) {
                sessions.remove(session);
                bound.remove(session);
              }
            });
        workers.execute(() -> awaitBind(session));
      } catch (IOException e) {
        if (!closed) {
          throw new IllegalStateException("SMSC simulator accept failed", e);
        }
      }
    }
  }

  private void awaitBind(SMPPServerSession session) {
    try {
      BindRequest request = session.waitForBind(5_000);
      if (request.getSystemId().equals(systemId) && request.getPassword().equals(password)) {
        request.accept(systemId);
        bound.put(session, request.getBindType());
        binds.incrementAndGet();
      } else {
        request.reject(SMPPConstant.STAT_ESME_RINVPASWD);
      }
    } catch (Exception e) {
      session.close();
    }
  }

  private SubmitSmResult onSubmit(SubmitSm submit, SMPPServerSession source)
      throws ProcessRequestException {
    submitsReceived.incrementAndGet();
    AtomicInteger open = unanswered.computeIfAbsent(source, s -> new AtomicInteger());
    int now = open.incrementAndGet();
    maxWindow.accumulateAndGet(now, Math::max);
    try {
      Duration delay = answerDelay;
      if (!delay.isZero()) {
        TimeUnit.MILLISECONDS.sleep(delay.toMillis()); // holds this PDU's answer only
      }
      if (refuseFirst.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        throw new ProcessRequestException("scripted refusal", refuseStatus);
      }
      String id = Long.toHexString(nextId.getAndIncrement()).toUpperCase(java.util.Locale.ROOT);
      accepted.add(
          new Submit(
              submit.getDestAddress(),
              submit.getDataCoding() & 0xFF,
              submit.getEsmClass() & 0xFF,
              submit.getRegisteredDelivery() & 0xFF,
              submit.getShortMessage(),
              id));
      recipients.put(id, submit.getDestAddress());
      reassemble(submit);
      String stat = autoReceipt;
      if (stat != null) {
        // After the answer has had time to go: a receipt before submit_sm_resp is legal but rare.
        CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS, workers)
            .execute(() -> sendReceipt(id, stat, ReceiptForm.BOTH, false));
      }
      return new SubmitSmResult(new MessageId(id), new OptionalParameter[0]);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ProcessRequestException("interrupted", SMPPConstant.STAT_ESME_RSYSERR);
    } catch (org.jsmpp.PDUStringException e) {
      throw new ProcessRequestException("bad id", SMPPConstant.STAT_ESME_RSYSERR);
    } finally {
      // Counted down before the answer is written, so a quick client cannot be over-counted.
      open.decrementAndGet();
      submitsAnswered.incrementAndGet();
    }
  }

  private void reassemble(SubmitSm submit) {
    byte[] sm = submit.getShortMessage();
    Charset charset = (submit.getDataCoding() & 0xFF) == 8 ? StandardCharsets.UTF_16BE : GSM;
    if ((submit.getEsmClass() & 0x40) == 0) {
      texts.add(new String(sm, charset));
      return;
    }
    int udhl = sm[0] & 0xFF;
    // Only the 8-bit concatenation IE (00 03 ref total seq) is expected from the client.
    if (udhl < 5 || sm[1] != 0 || sm[2] != 3) {
      texts.add("<unexpected UDH>");
      return;
    }
    int ref = sm[3] & 0xFF;
    int total = sm[4] & 0xFF;
    int seq = sm[5] & 0xFF;
    String key = submit.getDestAddress() + "/" + ref + "/" + total;
    String[] slots = parts.computeIfAbsent(key, k -> new String[total]);
    synchronized (slots) {
      slots[seq - 1] = new String(sm, udhl + 1, sm.length - udhl - 1, charset);
      for (String s : slots) {
        if (s == null) {
          return;
        }
      }
      parts.remove(key);
      texts.add(String.join("", slots));
    }
  }

  private static byte messageState(String stat) {
    return switch (stat) {
      case "ENROUTE" -> 1;
      case "DELIVRD" -> 2;
      case "EXPIRED" -> 3;
      case "DELETED" -> 4;
      case "UNDELIV" -> 5;
      case "ACCEPTD" -> 6;
      case "REJECTD" -> 8;
      default -> 7;
    };
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static ProcessRequestException notSimulated() {
    return new ProcessRequestException("not simulated", SMPPConstant.STAT_ESME_RINVCMDID);
  }

  private final class Receiver implements ServerMessageReceiverListener {
    @Override
    public SubmitSmResult onAcceptSubmitSm(SubmitSm submitSm, SMPPServerSession source)
        throws ProcessRequestException {
      return onSubmit(submitSm, source);
    }

    @Override
    public void onAcceptEnquireLink(EnquireLink enquireLink, Session source) {
      try {
        enquireLinkGate.await(60, TimeUnit.SECONDS); // holds the enquire_link_resp
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public DataSmResult onAcceptDataSm(DataSm dataSm, Session source)
        throws ProcessRequestException {
      throw new ProcessRequestException("data_sm not simulated", SMPPConstant.STAT_ESME_RINVCMDID);
    }

    @Override
    public SubmitMultiResult onAcceptSubmitMulti(SubmitMulti submitMulti, SMPPServerSession source)
        throws ProcessRequestException {
      throw notSimulated();
    }

    @Override
    public QuerySmResult onAcceptQuerySm(QuerySm querySm, SMPPServerSession source)
        throws ProcessRequestException {
      throw notSimulated();
    }

    @Override
    public void onAcceptReplaceSm(ReplaceSm replaceSm, SMPPServerSession source)
        throws ProcessRequestException {
      throw notSimulated();
    }

    @Override
    public void onAcceptCancelSm(CancelSm cancelSm, SMPPServerSession source)
        throws ProcessRequestException {
      throw notSimulated();
    }

    @Override
    public BroadcastSmResult onAcceptBroadcastSm(BroadcastSm broadcastSm, SMPPServerSession source)
        throws ProcessRequestException {
      throw notSimulated();
    }

    @Override
    public void onAcceptCancelBroadcastSm(
        CancelBroadcastSm cancelBroadcastSm, SMPPServerSession source)
        throws ProcessRequestException {
      throw notSimulated();
    }

    @Override
    public QueryBroadcastSmResult onAcceptQueryBroadcastSm(
        QueryBroadcastSm queryBroadcastSm, SMPPServerSession source)
        throws ProcessRequestException {
      throw notSimulated();
    }
  }
}
