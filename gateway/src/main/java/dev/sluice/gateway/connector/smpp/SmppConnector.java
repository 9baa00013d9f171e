package dev.sluice.gateway.connector.smpp;

import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.connector.Connector;
import dev.sluice.gateway.connector.MessageContent;
import dev.sluice.gateway.connector.OutboundMessage;
import dev.sluice.gateway.connector.SendResult;
import dev.sluice.gateway.connector.smpp.protocol.BindMode;
import dev.sluice.gateway.connector.smpp.protocol.DeliveryReceipt;
import dev.sluice.gateway.connector.smpp.protocol.MobileOriginated;
import dev.sluice.gateway.connector.smpp.protocol.SmppAddress;
import dev.sluice.gateway.connector.smpp.protocol.SmppClient;
import dev.sluice.gateway.connector.smpp.protocol.SmppListener;
import dev.sluice.gateway.connector.smpp.protocol.SmppSettings;
import dev.sluice.gateway.connector.smpp.protocol.SubmitResult;
import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.tenant.Channel;
import dev.sluice.gateway.tenant.SmppAccount;
import io.micrometer.core.instrument.Meter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends through SMPP binds: one {@link SmppClient} per smpp channel per instance, shared by every
 * dispatcher of the instance (unlike the HTTP connectors this one holds state: the binds). A
 * channel's client starts when the channel appears in the directory ({@link #sync}), or at its
 * first send, so that its receipts and mobile-originated messages arrive even when nothing is sent;
 * it is closed (unbound) when the channel is deleted or its settings change, and all are closed by
 * {@link #close}. Thread-safe.
 *
 * <p>A message's provider message id is {@code <channel>:<first part's submit_sm_resp id>} (an
 * SMSC's ids are unique on that SMSC only); every part's id is registered ({@link PartIds}) and the
 * first part's receipt decides the message's status.
 */
public final class SmppConnector implements Connector {
  private static final Logger LOG = LoggerFactory.getLogger(SmppConnector.class);

  /** Part ids remembered for matching receipts: a few hours of a busy instance's long messages. */
  static final int PART_IDS = 200_000;

  private static final Duration RECONNECT_MIN = Duration.ofSeconds(1);
  private static final Duration RECONNECT_MAX = Duration.ofSeconds(30);
  private static final Duration THROTTLE_BACKOFF = Duration.ofSeconds(1);

  private final Vertx vertx;
  private final Context loop;
  private final SmppInbound inbound;
  private final SmppMetrics metrics;
  private final GatewayConfig.Smpp timers;
  private final boolean trustAll;
  private final PartIds partIds = new PartIds(PART_IDS);
  private final Map<String, Link> links = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * @param loop the event-loop context every bind runs on ({@link SmppLoop})
   * @param inbound where receipts and mobile-originated messages go; called on {@code loop}
   */
  public SmppConnector(
      Vertx vertx,
      Context loop,
      SmppInbound inbound,
      SmppMetrics metrics,
      GatewayConfig.Smpp timers) {
    this(vertx, loop, inbound, metrics, timers, false);
  }

  /**
   * @param trustAll accept any TLS certificate of an SMSC (tests only)
   */
  public SmppConnector(
      Vertx vertx,
      Context loop,
      SmppInbound inbound,
      SmppMetrics metrics,
      GatewayConfig.Smpp timers,
      boolean trustAll) {
    this.vertx = vertx;
    this.loop = loop;
    this.inbound = inbound;
    this.metrics = metrics;
    this.timers = timers;
    this.trustAll = trustAll;
  }

  @Override
  public Provider provider() {
    return Provider.SMPP;
  }

  @Override
  public Future<SendResult> send(Channel channel, OutboundMessage message) {
    if (!(message.content() instanceof MessageContent.Text text)) {
      return Future.succeededFuture(
          SendResult.permanent("unsupported_content", "SMPP channels send text only", 0));
    }
    if (channel.smpp() == null) {
      return Future.succeededFuture(
          SendResult.permanent("channel_misconfigured", "the channel has no SMPP settings", 0));
    }
    Link link;
    try {
      link = link(channel);
    } catch (RuntimeException e) {
      LOG.error(
          "[tenant={}, channel={}] cannot start its SMPP client",
          channel.tenantId(),
          channel.id(),
          e);
      link = null;
    }
    if (link == null) {
      return Future.succeededFuture(
          SendResult.retryable("bind_down", "no SMPP client is running for the channel", null, 0));
    }
    long start = System.nanoTime();
    long deadlineMs = timers.sendDeadlineMs();
    // The client has its own timers; the deadline is a backstop so that a send never outlives
    // the dispatcher's lease of the message.
    return link.client
        .submit(new SmppAddress(SmppEvents.TON_INTERNATIONAL, 1, message.toDigits()), text.body())
        .timeout(deadlineMs, TimeUnit.MILLISECONDS)
        .otherwise(
            e -> new SubmitResult(SubmitResult.Status.UNKNOWN, List.of(), 0, "no outcome in time"))
        .map(
            r -> {
              metrics.submitted(r.status(), start);
              if (r.status() == SubmitResult.Status.OK) {
                partIds.register(channel.id(), r.messageIds());
              }
              return SmppOutcomes.of(channel.id(), r, timers.responseTimeoutMs());
            });
  }

  /**
   * Follows the directory: starts a client for every smpp channel without one, replaces the client
   * of a channel whose settings changed, and closes those of channels gone. Quick; never throws.
   */
  public void sync(Collection<Channel> channels) {
    if (closed) {
      return;
    }
    Set<String> present = new HashSet<>();
    for (Channel c : channels) {
      if (c.provider() == Provider.SMPP && c.smpp() != null) {
        present.add(c.id());
        try {
          link(c);
        } catch (RuntimeException e) {
          // One bad channel must not keep the others from binding; its sends will say so.
          LOG.error(
              "[tenant={}, channel={}] cannot start its SMPP client", c.tenantId(), c.id(), e);
        }
      }
    }
    for (String id : new ArrayList<>(links.keySet())) {
      if (!present.contains(id)) {
        Link gone = links.remove(id);
        if (gone != null) {
          gone.close("the channel was deleted");
        }
      }
    }
  }

  /** Unbinds every channel's connections; completes when all have answered or timed out. */
  public Future<Void> close() {
    closed = true;
    List<Future<Void>> closing = new ArrayList<>();
    for (String id : new ArrayList<>(links.keySet())) {
      Link link = links.remove(id);
      if (link != null) {
        closing.add(link.close("the gateway is stopping"));
      }
    }
    return Future.join(closing).mapEmpty();
  }

  /**
   * How long one send may take while any smpp channel has a client here ({@code smpp.throttleWaitMs
   * + smpp.responseTimeoutMs}), else 0: the dispatcher leases messages at least this long, so that
   * none is taken up again while its send is still open.
   */
  public long sendDeadlineMs() {
    return links.isEmpty() ? 0 : timers.sendDeadlineMs();
  }

  /** Bound connections of the channel on this instance (0 without a client). */
  public int bindsUp(String channelId) {
    Link link = links.get(channelId);
    return link == null ? 0 : link.client.bindsUp();
  }

  /** The channel's client, started or restarted for its current settings; null once closed. */
  private Link link(Channel channel) {
    if (closed) {
      return null;
    }
    Link current = links.get(channel.id());
    if (current != null && current.channel == channel) {
      return current; // the directory's same snapshot of the channel: nothing can have changed
    }
    SmppSettings settings = settings(channel);
    List<Link> replaced = new ArrayList<>(1);
    Link link =
        links.compute(
            channel.id(),
            (id, existing) -> {
              if (existing != null && existing.settings.equals(settings)) {
                existing.channel = channel;
                return existing;
              }
              if (existing != null) {
                // Its meters go first, so that the new client's take their names.
                existing.unregister();
                replaced.add(existing);
              }
              return new Link(channel, settings);
            });
    replaced.forEach(old -> old.close("its settings changed"));
    return link;
  }

  private SmppSettings settings(Channel channel) {
    SmppAccount a = channel.smpp();
    return new SmppSettings(
        a.host(),
        a.port(),
        a.tls(),
        trustAll,
        channel.credential("systemId").reveal(),
        channel.credential("password").reveal(),
        a.systemType(),
        SmppAccount.TRANSMITTER_RECEIVER.equals(a.bindMode())
            ? BindMode.TRANSMITTER_RECEIVER
            : BindMode.TRANSCEIVER,
        a.binds(),
        a.windowSize(),
        a.sourceAddress() == null
            ? new SmppAddress(0, 0, "")
            : new SmppAddress(a.sourceTon(), a.sourceNpi(), a.sourceAddress()),
        Duration.ofMillis(timers.enquireLinkMs()),
        Duration.ofMillis(timers.responseTimeoutMs()),
        RECONNECT_MIN,
        RECONNECT_MAX,
        THROTTLE_BACKOFF,
        Duration.ofMillis(timers.throttleWaitMs()));
  }

  /** A receipt as its message's status: matched by any form of its id, first part only. */
  private Future<Void> receipt(Channel channel, DeliveryReceipt r) {
    metrics.receipt(r.state());
    List<String> candidates = r.idCandidates();
    PartIds.Part part = partIds.find(channel.id(), candidates);
    if (part != null && part.index() > 0) {
      return Future.succeededFuture(); // a later part: the first part's receipt decides
    }
    String id = part != null ? part.firstId() : r.messageId();
    InboundEvent event = SmppEvents.receipt(r, SmppOutcomes.providerMessageId(channel.id(), id));
    if (event == null) {
      return Future.succeededFuture(); // UNKNOWN: nothing to record
    }
    List<String> aliases =
        part != null
            ? List.of()
            : candidates.stream()
                .filter(c -> !c.equals(id))
                .map(c -> SmppOutcomes.providerMessageId(channel.id(), c))
                .toList();
    return inbound.admit(channel, event, aliases);
  }

  /** One channel's client and what it was started with. */
  private final class Link implements SmppListener {
    final SmppSettings settings;
    final SmppClient client;
    final List<Meter> meters;
    volatile Channel channel;
    private int lastBindsUp;

    Link(Channel channel, SmppSettings settings) {
      this.channel = channel;
      this.settings = settings;
      this.client = SmppClient.start(vertx, loop, settings, this);
      this.meters = metrics.register(channel.id(), client);
      LOG.info(
          "[tenant={}, channel={}] SMPP client started: {} bind(s) to {}:{}",
          channel.tenantId(),
          channel.id(),
          settings.binds(),
          settings.host(),
          settings.port());
    }

    @Override
    public Future<Void> onReceipt(DeliveryReceipt receipt) {
      return receipt(channel, receipt);
    }

    @Override
    public Future<Void> onMessage(MobileOriginated message) {
      return inbound.admit(
          channel, SmppEvents.message(message, System.currentTimeMillis()), List.of());
    }

    @Override
    public synchronized void onBindsChanged(int bindsUp) {
      Channel c = channel;
      int before = lastBindsUp;
      lastBindsUp = bindsUp;
      if (bindsUp == 0 && before > 0) {
        LOG.warn("[tenant={}, channel={}] no SMPP bind is up", c.tenantId(), c.id());
      } else {
        LOG.debug("[tenant={}, channel={}] SMPP binds up: {}", c.tenantId(), c.id(), bindsUp);
      }
    }

    void unregister() {
      metrics.remove(meters);
    }

    Future<Void> close(String why) {
      unregister();
      Channel c = channel;
      LOG.info("[tenant={}, channel={}] SMPP client closing: {}", c.tenantId(), c.id(), why);
      return client.close();
    }
  }
}
