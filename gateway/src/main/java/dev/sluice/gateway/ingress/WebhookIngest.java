package dev.sluice.gateway.ingress;

import dev.sluice.gateway.admission.Admission;
import dev.sluice.gateway.admission.AdmissionOutcome;
import dev.sluice.gateway.admission.AdmissionRequest;
import dev.sluice.gateway.admission.OptKeyword;
import dev.sluice.gateway.config.GatewayConfig;
import dev.sluice.gateway.core.EventKind;
import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.core.signing.Verdict;
import dev.sluice.gateway.http.JsonResponses;
import dev.sluice.gateway.ingress.IngressMetrics.Outcome;
import dev.sluice.gateway.ingress.parse.PayloadException;
import dev.sluice.gateway.ledger.Ledger;
import dev.sluice.gateway.ledger.LedgerEvent;
import dev.sluice.gateway.ledger.MessageStatus;
import dev.sluice.gateway.tenant.Channel;
import dev.sluice.gateway.tenant.InboundLimits;
import dev.sluice.gateway.tenant.OptKeywords;
import dev.sluice.gateway.tenant.Tenant;
import dev.sluice.gateway.tenant.TenantDirectory;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The part every webhook shares once its signature is verified and its events parsed: admit the
 * events into their tenants' queues, count them, and turn the result into the provider's answer.
 * One per verticle (it holds that verticle's {@link Admission}).
 */
public final class WebhookIngest {
  /** Twilio expects TwiML; an empty response means "no reply". */
  static final String EMPTY_TWIML =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";

  /** Seconds a provider should wait before redelivering when Redis is unavailable. */
  static final int RETRY_AFTER_UNAVAILABLE = 5;

  /** Seconds a provider should wait before redelivering to a tenant whose backlog is full. */
  static final int RETRY_AFTER_BACKLOG = 30;

  /** The SMS providers whose inbound messages are checked for opt-out keywords. */
  private static final Set<Provider> KEYWORD_PROVIDERS =
      EnumSet.of(Provider.TWILIO, Provider.INFOBIP, Provider.SMPP);

  /** Encoded once (Netty writes it without converting it per response). */
  private static final CharSequence TEXT_XML = HttpHeaders.createOptimized("text/xml");

  private final Clock clock;
  private final Admission admission;
  private final Ledger ledger;
  private final TenantDirectory directory;
  private final IngressMetrics metrics;
  private final GatewayConfig.Ingress config;

  public WebhookIngest(
      Admission admission,
      Ledger ledger,
      TenantDirectory directory,
      IngressMetrics metrics,
      GatewayConfig.Ingress config,
      Clock clock) {
    this.clock = clock;
    this.admission = admission;
    this.directory = directory;
    this.ledger = ledger;
    this.metrics = metrics;
    this.config = config;
  }

  IngressMetrics metrics() {
    return metrics;
  }

  /**
   * The channel named in the path, of this provider.
   *
   * @throws GatewayException 404 when there is none (counted)
   */
  Channel channel(
      TenantDirectory directory, WebhookSource source, Provider provider, String id, long start) {
    Optional<Channel> channel = id == null ? Optional.empty() : directory.channel(id);
    if (channel.isEmpty() || channel.get().provider() != provider) {
      throw reject(
          source,
          Outcome.NOT_FOUND,
          start,
          GatewayException.notFound(
              "unknown_channel", "no " + provider.wireName() + " channel with this id"));
    }
    return channel.get();
  }

  /**
   * @throws GatewayException 401 when the signature or secret did not verify (counted by reason)
   */
  void requireValid(WebhookSource source, Verdict verdict, long start) {
    if (!verdict.valid()) {
      metrics.signatureFailure(source, verdict);
      throw reject(
          source,
          Outcome.UNAUTHORIZED,
          start,
          GatewayException.unauthenticated(
              "invalid_signature",
              "the webhook signature did not verify (" + verdict.reason() + ")"));
    }
  }

  /**
   * Runs a parser on a verified body.
   *
   * @throws GatewayException 400 when the payload cannot be understood (counted)
   */
  List<InboundEvent> parse(WebhookSource source, long start, Supplier<List<InboundEvent>> parser) {
    try {
      return parser.get();
    } catch (PayloadException e) {
      throw reject(
          source,
          Outcome.BAD_REQUEST,
          start,
          GatewayException.malformed("invalid_payload", e.getMessage()));
    }
  }

  /** Counts a rejected request and returns the exception to throw. */
  GatewayException reject(WebhookSource source, Outcome outcome, long start, GatewayException e) {
    metrics.request(source, outcome, start);
    return e;
  }

  /**
   * Admits the events and answers the provider: 200 once Redis confirmed all of them, 503 with
   * Retry-After otherwise.
   */
  void respond(RoutingContext ctx, WebhookSource source, long start, List<RoutedEvent> routed) {
    admit(routed)
        .onSuccess(
            n -> {
              metrics.request(source, Outcome.ACCEPTED, start);
              if (source == WebhookSource.TWILIO) {
                ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, TEXT_XML).end(EMPTY_TWIML);
              } else {
                JsonResponses.send(
                    ctx.response(),
                    200,
                    Buffer.buffer("{\"status\":\"accepted\",\"events\":" + n + "}"));
              }
            })
        .onFailure(
            e -> {
              boolean full = e instanceof GatewayException g && g.code().equals("backlog_full");
              metrics.request(source, full ? Outcome.BACKLOG_FULL : Outcome.UNAVAILABLE, start);
              ctx.fail(e);
            });
  }

  /** The raw body bytes as received (never re-serialised: signatures cover these bytes). */
  static byte[] body(RoutingContext ctx) {
    Buffer b = ctx.body().buffer();
    return b == null ? new byte[0] : b.getBytes();
  }

  /**
   * Admits the events.
   *
   * @return the number of events taken; fails with a 503 {@link GatewayException} when Redis did
   *     not confirm them all, or when a tenant's backlog is full (the provider redelivers; events
   *     already admitted are then duplicates)
   */
  Future<Integer> admit(List<RoutedEvent> routed) {
    return admit(routed, List.of());
  }

  /**
   * An event that came without a webhook (an SMPP bind's receipt or message).
   *
   * @param alsoKnownAs for a status event, other forms of its provider message id: the ledger
   *     records the same status under each (one of them names the message)
   */
  public record Unhooked(Channel channel, InboundEvent event, List<String> alsoKnownAs) {}

  /**
   * Admits events that came without a webhook together, as {@link #admit} admits a webhook's: one
   * admission call and one ledger append for all of them.
   *
   * @return completes when every event is durable; fails with a 503 {@link GatewayException} as
   *     {@link #admit} (then none counts as taken; those that were are duplicates when they come
   *     again)
   */
  public Future<Void> admitAll(List<Unhooked> events) {
    List<RoutedEvent> routed = new ArrayList<>(events.size());
    List<LedgerEvent> aliases = new ArrayList<>();
    for (Unhooked u : events) {
      RoutedEvent r = new RoutedEvent(u.channel(), u.event());
      routed.add(r);
      if (u.alsoKnownAs().isEmpty()) {
        continue;
      }
      for (LedgerEvent l : statuses(List.of(r))) {
        for (String id : u.alsoKnownAs()) {
          aliases.add(
              LedgerEvent.fromProvider(
                  l.provider(), id, l.status(), l.at(), l.errorCode(), l.errorMessage()));
        }
      }
    }
    return admit(routed, aliases).mapEmpty();
  }

  private Future<Integer> admit(List<RoutedEvent> routed, List<LedgerEvent> moreStatuses) {
    List<RoutedEvent> queued = new ArrayList<>(routed.size());
    List<AdmissionRequest> requests = new ArrayList<>(routed.size());
    for (RoutedEvent r : routed) {
      if (wanted(r)) {
        queued.add(r);
        requests.add(request(r.channel(), r.event()));
      }
    }
    List<LedgerEvent> statuses = statuses(routed);
    if (!moreStatuses.isEmpty()) {
      statuses = new ArrayList<>(statuses);
      statuses.addAll(moreStatuses);
    }
    // The queue and the ledger at once: one Redis round trip of waiting, not two. The ledger takes
    // a status again without harm, so one recorded for events then refused (a full queue, answered
    // 503) is only recorded early: the provider sends them again.
    Future<List<AdmissionOutcome>> admitted =
        admission
            .admit(requests)
            .onSuccess(
                outcomes -> {
                  for (int i = 0; i < outcomes.size(); i++) {
                    metrics.event(queued.get(i).event().provider(), outcomes.get(i));
                  }
                });
    Future<Void> recorded = ledger.append(statuses);
    return Future.all(admitted, recorded)
        .compose(
            all -> {
              if (admitted.result().contains(AdmissionOutcome.REFUSED)) {
                return Future.failedFuture(
                    GatewayException.unavailable(
                        "backlog_full",
                        "the tenant's queue is full; retry later",
                        RETRY_AFTER_BACKLOG));
              }
              return Future.succeededFuture(routed.size());
            })
        .recover(
            e ->
                Future.failedFuture(
                    e instanceof GatewayException
                        ? e
                        : GatewayException.unavailable(
                            "unavailable",
                            "the gateway cannot store events right now; retry later",
                            RETRY_AFTER_UNAVAILABLE)));
  }

  /**
   * Whether the event goes on the tenant's queue: every message, and the status reports the
   * tenant's {@code outboundEvents} setting asks for (the ledger takes every status report).
   */
  private boolean wanted(RoutedEvent r) {
    InboundEvent e = r.event();
    if (e.kind() != EventKind.STATUS || e.status() == null) {
      return true;
    }
    Optional<MessageStatus> status = MessageStatus.fromWireName(e.status());
    return status.isEmpty()
        || directory
            .tenant(r.channel().tenantId())
            .map(t -> t.outboundEvents().includes(status.get()))
            .orElse(true);
  }

  /**
   * Status reports go to the ledger too, duplicates included: the ledger ignores repeats, and a
   * redelivery after a failed append must still reach it.
   */
  private List<LedgerEvent> statuses(List<RoutedEvent> routed) {
    List<LedgerEvent> out = List.of(); // most webhooks carry messages only
    for (RoutedEvent r : routed) {
      InboundEvent e = r.event();
      if (e.kind() != EventKind.STATUS || e.providerMessageId() == null || e.status() == null) {
        continue;
      }
      Optional<MessageStatus> status = MessageStatus.fromWireName(e.status());
      if (status.isEmpty()) {
        continue;
      }
      if (out.isEmpty()) {
        out = new ArrayList<>();
      }
      out.add(
          LedgerEvent.fromProvider(
              e.provider().wireName(),
              e.providerMessageId(),
              status.get(),
              e.timestamp() > 0 ? e.timestamp() * 1000 : clock.millis(),
              e.errorCode(),
              e.errorMessage()));
    }
    return out;
  }

  private AdmissionRequest request(Channel channel, InboundEvent event) {
    if (event.kind() == EventKind.STATUS) {
      return new AdmissionRequest(channel.tenantId(), channel.id(), event, 0, 0);
    }
    InboundLimits limits = channel.inboundLimits();
    int perMinute = limits == null ? config.perPhonePerMinute() : limits.perPhonePerMinute();
    int burst = limits == null ? config.phoneBurst() : limits.burst();
    return new AdmissionRequest(
        channel.tenantId(), channel.id(), event, perMinute, burst, optKeyword(channel, event));
  }

  /**
   * The opt-out keyword check of an inbound SMS (Twilio, Infobip) from a phone number: its body
   * against the tenant's lists, from the directory in memory. {@code null} for other events, which
   * then carry no {@code optOut}.
   */
  private OptKeyword optKeyword(Channel channel, InboundEvent event) {
    if (!KEYWORD_PROVIDERS.contains(event.provider()) || event.endUser() == null) {
      return null;
    }
    OptKeywords keywords =
        directory.tenant(channel.tenantId()).map(Tenant::optKeywords).orElse(OptKeywords.DEFAULT);
    OptKeywords.Match match = keywords.match(event.text());
    if (match == null) {
      return OptKeyword.NONE;
    }
    return match.action() == OptKeywords.Action.OPT_OUT
        ? OptKeyword.optOut(match.keyword())
        : OptKeyword.optIn(match.keyword());
  }
}
