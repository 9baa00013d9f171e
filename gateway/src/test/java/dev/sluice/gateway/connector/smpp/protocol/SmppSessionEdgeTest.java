package dev.sluice.gateway.connector.smpp.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SelfSignedCertificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What jsmpp will not send on request: generic_nack, an SMSC-initiated unbind, a broken
 * command_length, a command the client does not serve. A raw TCP server plays the SMSC here; it
 * binds every client and records what it receives.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SmppSessionEdgeTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final SmppAddress PHONE = new SmppAddress(1, 1, "4915112345678");

  private Vertx vertx;
  private NetServer server;
  private final List<NetSocket> sockets = new CopyOnWriteArrayList<>();
  private final List<Pdu> received = new CopyOnWriteArrayList<>();
  private volatile boolean nackSubmits;
  private SmppClient client;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    server = listen(new NetServerOptions());
    client = SmppClient.start(vertx, settings(server.actualPort(), false), new Quiet());
    Await.until("bound", WAIT, () -> client.bindsUp() == 1);
  }

  private NetServer listen(NetServerOptions options) {
    return vertx
        .createNetServer(options)
        .connectHandler(
            socket -> {
              sockets.add(socket);
              Buffer[] pending = {Buffer.buffer()};
              socket.handler(
                  data -> {
                    pending[0].appendBuffer(data);
                    while (pending[0].length() >= 4
                        && pending[0].length() >= pending[0].getInt(0)) {
                      int length = pending[0].getInt(0);
                      Pdu pdu = PduCodec.decode(pending[0].getBuffer(0, length));
                      pending[0] = pending[0].getBuffer(length, pending[0].length());
                      received.add(pdu);
                      answer(socket, pdu);
                    }
                  });
            })
        .listen(0, "127.0.0.1")
        .await();
  }

  private static SmppSettings settings(int port, boolean tls) {
    return new SmppSettings(
        "127.0.0.1",
        port,
        tls,
        tls,
        "sluice",
        "secret",
        "",
        BindMode.TRANSCEIVER,
        1,
        5,
        new SmppAddress(5, 0, "SLUICE"),
        Duration.ofSeconds(30),
        Duration.ofSeconds(2),
        Duration.ofMillis(20),
        Duration.ofMillis(50),
        null,
        null);
  }

  @AfterEach
  void stop() {
    client.close().await();
    vertx.close().await();
  }

  private void answer(NetSocket socket, Pdu pdu) {
    int seq = pdu.sequence();
    switch (pdu.commandId()) {
      case Pdu.BIND_TRANSCEIVER ->
          send(socket, Pdu.of(pdu.commandId() | Pdu.RESPONSE, 0, seq, new Pdu.IdBody("raw")));
      case Pdu.SUBMIT_SM ->
          send(
              socket,
              nackSubmits
                  ? Pdu.of(Pdu.GENERIC_NACK, CommandStatus.ESME_RSYSERR, seq, Pdu.Empty.INSTANCE)
                  : Pdu.of(Pdu.SUBMIT_SM | Pdu.RESPONSE, 0, seq, new Pdu.IdBody("42")));
      case Pdu.UNBIND ->
          send(socket, Pdu.of(Pdu.UNBIND | Pdu.RESPONSE, 0, seq, Pdu.Empty.INSTANCE));
      default -> {}
    }
  }

  private static void send(NetSocket socket, Pdu pdu) {
    socket.write(PduCodec.encode(pdu));
  }

  private NetSocket current() {
    return sockets.get(sockets.size() - 1);
  }

  private List<Pdu> receivedOf(int commandId) {
    return received.stream().filter(p -> p.commandId() == commandId).toList();
  }

  @Test
  void aGenericNackToASubmitIsRetryableWithItsStatus() {
    nackSubmits = true;

    SubmitResult result = client.submit(PHONE, "nacked").await();

    assertThat(result.status()).isEqualTo(SubmitResult.Status.RETRYABLE);
    assertThat(result.commandStatus()).isEqualTo(CommandStatus.ESME_RSYSERR);
    assertThat(result.detail()).contains("generic_nack");
  }

  @Test
  void anUnbindFromTheSmscIsAnsweredAndTheClientBindsAgain() {
    send(current(), Pdu.of(Pdu.UNBIND, 0, 77, Pdu.Empty.INSTANCE));

    Await.until("unbind_resp", WAIT, () -> !receivedOf(Pdu.UNBIND | Pdu.RESPONSE).isEmpty());
    assertThat(receivedOf(Pdu.UNBIND | Pdu.RESPONSE).get(0).sequence()).isEqualTo(77);
    Await.until("a second bind", WAIT, () -> receivedOf(Pdu.BIND_TRANSCEIVER).size() == 2);
    Await.until("bound again", WAIT, () -> client.bindsUp() == 1);
  }

  @Test
  void aBrokenCommandLengthIsNackedAndTheConnectionReplaced() {
    current().write(Buffer.buffer().appendInt(8).appendInt(Pdu.ENQUIRE_LINK));

    Await.until("generic_nack", WAIT, () -> !receivedOf(Pdu.GENERIC_NACK).isEmpty());
    assertThat(receivedOf(Pdu.GENERIC_NACK).get(0).status())
        .isEqualTo(CommandStatus.ESME_RINVCMDLEN);
    Await.until("a second bind", WAIT, () -> receivedOf(Pdu.BIND_TRANSCEIVER).size() == 2);
  }

  @Test
  void enquireLinkIsAnsweredAndAnUnservedCommandNacked() {
    send(current(), Pdu.of(Pdu.ENQUIRE_LINK, 0, 5, Pdu.Empty.INSTANCE));
    send(current(), Pdu.of(0x00000003, 0, 6, Pdu.Empty.INSTANCE)); // query_sm

    Await.until(
        "both answered",
        WAIT,
        () ->
            !receivedOf(Pdu.ENQUIRE_LINK | Pdu.RESPONSE).isEmpty()
                && !receivedOf(Pdu.GENERIC_NACK).isEmpty());
    assertThat(receivedOf(Pdu.ENQUIRE_LINK | Pdu.RESPONSE).get(0).sequence()).isEqualTo(5);
    Pdu nack = receivedOf(Pdu.GENERIC_NACK).get(0);
    assertThat(nack.sequence()).isEqualTo(6);
    assertThat(nack.status()).isEqualTo(CommandStatus.ESME_RINVCMDID);
  }

  @Test
  void theResultOfASubmitFromAnEventLoopArrivesOnThatContext() {
    var context = vertx.getOrCreateContext();
    var sameContext = new java.util.concurrent.CompletableFuture<Boolean>();

    context.runOnContext(
        v ->
            client
                .submit(PHONE, "from a verticle")
                .onComplete(ar -> sameContext.complete(Vertx.currentContext() == context)));

    assertThat(sameContext.join()).isTrue();
  }

  @Test
  void aTlsConnectionBindsAndSubmits() {
    SelfSignedCertificate certificate = SelfSignedCertificate.create();
    NetServer tlsServer =
        listen(new NetServerOptions().setSsl(true).setKeyCertOptions(certificate.keyCertOptions()));
    SmppClient tlsClient =
        SmppClient.start(vertx, settings(tlsServer.actualPort(), true), new Quiet());
    try {
      Await.until("bound over TLS", WAIT, () -> tlsClient.bindsUp() == 1);

      SubmitResult result = tlsClient.submit(PHONE, "over TLS").await();

      assertThat(result.status()).isEqualTo(SubmitResult.Status.OK);
      assertThat(result.messageIds()).containsExactly("42");
    } finally {
      tlsClient.close().await();
    }
  }

  /** Receives nothing in these tests. */
  private static final class Quiet implements SmppListener {
    @Override
    public Future<Void> onReceipt(DeliveryReceipt receipt) {
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> onMessage(MobileOriginated message) {
      return Future.succeededFuture();
    }
  }
}
