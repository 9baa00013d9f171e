package dev.sluice.gateway.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.config.Secret;
import dev.sluice.gateway.connector.MessageContent;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.privacy.PhoneHasher;
import dev.sluice.gateway.queue.TenantQueueKeys;
import dev.sluice.gateway.redis.PipelinedRedis;
import dev.sluice.gateway.redis.RedisBackend;
import dev.sluice.gateway.testing.RedisServerProcess;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The outbound queue on a Redis server of its own (so {@code INFO commandstats} counts only its
 * calls): the requests of one event-loop turn share one {@code sluice_out_enqueue} per partition.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EnqueueBatcherIT {
  private static final int PARTITIONS = 16;
  private static final Pattern FCALLS = Pattern.compile("cmdstat_fcall:calls=(\\d+)");

  private RedisServerProcess server;
  private Vertx vertx;
  private RedisBackend backend;
  private Context context;
  private PhoneHasher hasher;
  private OutboundQueue queue;

  @BeforeEach
  void start() {
    server = new RedisServerProcess().start();
    vertx = Vertx.vertx();
    GatewayConfig.Redis config =
        ConfigLoader.load(Map.of("redis.url", server.url()), Map.of()).config().redis();
    backend = RedisBackend.create(vertx, config);
    backend.loadFunctions().await();
    context = vertx.getOrCreateContext();
    hasher = new PhoneHasher(Secret.of(Base64.getEncoder().encodeToString(new byte[32])));
    PipelinedRedis redis = onContext(backend::pipelined).await();
    queue = new OutboundQueue(context, redis, hasher, PARTITIONS, 1_000_000);
  }

  @AfterEach
  void stop() throws Exception {
    backend.close().await();
    vertx.close().await();
    server.close();
  }

  @Test
  void requestsOfOneTurnShareOneEnqueueCallPerPartition() {
    String a = "4915112345678";
    String b = recipientInAnotherPartition(a);
    List<QueuedMessage> messages =
        List.of(message(a, "one"), message(b, "two"), message(a, "three"), message(a, "four"));
    long before = fcalls();

    List<List<OutboundQueue.Result>> results =
        onContext(
                () -> {
                  List<Future<List<OutboundQueue.Result>>> requests = new ArrayList<>();
                  for (QueuedMessage m : messages) {
                    requests.add(queue.enqueue(List.of(new OutboundQueue.Item(m, null))));
                  }
                  return Future.all(requests).map(all -> all.<List<OutboundQueue.Result>>list());
                })
            .compose(f -> f)
            .await();

    assertThat(fcalls() - before).isEqualTo(2);
    for (int i = 0; i < messages.size(); i++) {
      assertThat(results.get(i))
          .containsExactly(
              new OutboundQueue.Result(messages.get(i).id(), false, false, false, false));
    }
    List<QueuedMessage> queuedToA = queued(a);
    assertThat(queuedToA)
        .extracting(QueuedMessage::id)
        .containsExactly(messages.get(0).id(), messages.get(2).id(), messages.get(3).id());
    assertThat(queuedToA).allMatch(m -> hasher.hash(a).equals(m.recipientHash()));
    assertThat(queued(b)).extracting(QueuedMessage::id).containsExactly(messages.get(1).id());
  }

  /**
   * Three requests of one turn under one key: the first queues, the same message again replays it,
   * another message is refused as a mismatch.
   */
  @Test
  void oneIdempotencyKeyInRequestsOfOneTurnQueuesOneMessage() {
    String a = "4915112345678";
    QueuedMessage first = message(a, "first");
    QueuedMessage again = message(a, "first");
    QueuedMessage other = message(a, "second");

    List<List<OutboundQueue.Result>> results =
        onContext(
                () ->
                    Future.all(
                            queue.enqueue(List.of(new OutboundQueue.Item(first, "k-1"))),
                            queue.enqueue(List.of(new OutboundQueue.Item(again, "k-1"))),
                            queue.enqueue(List.of(new OutboundQueue.Item(other, "k-1"))))
                        .map(all -> all.<List<OutboundQueue.Result>>list()))
            .compose(f -> f)
            .await();

    assertThat(results.get(0))
        .containsExactly(new OutboundQueue.Result(first.id(), false, false, false, false));
    assertThat(results.get(1))
        .containsExactly(new OutboundQueue.Result(first.id(), true, false, false, false));
    assertThat(results.get(2))
        .containsExactly(new OutboundQueue.Result(null, false, false, false, true));
    assertThat(queued(a)).extracting(QueuedMessage::id).containsExactly(first.id());
  }

  private String recipientInAnotherPartition(String a) {
    int p = queue.partition(a);
    for (long n = 4915112345679L; ; n++) {
      if (queue.partition(Long.toString(n)) != p) {
        return Long.toString(n);
      }
    }
  }

  private List<QueuedMessage> queued(String recipient) {
    TenantQueueKeys keys =
        new TenantQueueKeys(backend.keyPrefix(), "t1", queue.partition(recipient));
    Response entries =
        backend
            .send(Request.cmd(Command.XRANGE).arg(keys.outbound("hi")).arg("-").arg("+"))
            .await();
    List<QueuedMessage> out = new ArrayList<>();
    for (Response e : entries) {
      Response fields = e.get(1);
      for (int i = 0; i < fields.size(); i += 2) {
        if (fields.get(i).toString().equals("m")) {
          out.add(MessageCodec.decode(fields.get(i + 1).toString()));
        }
      }
    }
    return out;
  }

  private long fcalls() {
    String stats = backend.send(Request.cmd(Command.INFO).arg("commandstats")).await().toString();
    Matcher m = FCALLS.matcher(stats);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  private static QueuedMessage message(String recipient, String text) {
    return new QueuedMessage(
        UUID.randomUUID().toString(),
        "t1",
        "ch1",
        Provider.TWILIO,
        "+" + recipient,
        recipient,
        null,
        OutboundLane.HIGH,
        null,
        System.currentTimeMillis(),
        new MessageContent.Text(text));
  }

  private <T> Future<T> onContext(Supplier<T> work) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> p.complete(work.get()));
    return p.future();
  }
}
