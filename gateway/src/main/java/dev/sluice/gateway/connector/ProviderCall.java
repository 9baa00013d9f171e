package dev.sluice.gateway.connector;

import dev.sluice.gateway.core.Provider;
import dev.sluice.gateway.tenant.Channel;
import io.netty.handler.codec.DecoderException;
import io.vertx.core.Future;
import io.vertx.core.VertxException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One provider API call with its deadline, and the part of classifying it that every provider
 * shares: transport failures become RETRYABLE results, error texts are masked, a success without a
 * message id is warned about. For connector implementations in the sub-packages; thread-safe.
 *
 * <p>Exception messages of the HTTP client are never passed on: they can hold the request URL, and
 * Telegram's bot token is in the URL path.
 */
public final class ProviderCall {
  private static final Logger LOG = LoggerFactory.getLogger(ProviderCall.class);
  private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final WebClient client;
  private final Provider provider;
  private final long deadlineMs;
  private final Clock clock;
  private final AtomicLong nextWarning = new AtomicLong(System.nanoTime());
  private final AtomicLong suppressed = new AtomicLong();

  /**
   * @param deadlineMs deadline of one call, from sending the request to the whole answer
   */
  public ProviderCall(WebClient client, Provider provider, long deadlineMs, Clock clock) {
    if (deadlineMs <= 0) {
      throw new IllegalArgumentException("deadlineMs must be > 0, got " + deadlineMs);
    }
    this.client = client;
    this.provider = provider;
    this.deadlineMs = deadlineMs;
    this.clock = clock;
  }

  /**
   * A POST to an absolute URL with the deadline as the request's timeout, so that the connection is
   * closed when the provider goes silent.
   */
  public HttpRequest<Buffer> post(String absoluteUrl) {
    return client.postAbs(absoluteUrl).timeout(deadlineMs);
  }

  /**
   * Waits for the answer at most the deadline and classifies it.
   *
   * @param sent the request as sent (from {@link #post})
   * @param classifier turns the provider's answer into a result; it must not throw for any answer
   * @return the result, error message masked; RETRYABLE {@code timeout} when there was no answer in
   *     time, RETRYABLE {@code network} when the connection failed. Fails only if the classifier
   *     throws or the request could not be encoded (programming errors).
   */
  public Future<SendResult> complete(
      Future<HttpResponse<Buffer>> sent,
      Channel channel,
      OutboundMessage message,
      Function<ProviderResponse, SendResult> classifier) {
    return sent.timeout(deadlineMs, TimeUnit.MILLISECONDS)
        .transform(
            ar ->
                ar.succeeded()
                    ? Future.succeededFuture(
                        classifier.apply(new ProviderResponse(ar.result(), clock.instant())))
                    : transportFailure(ar.cause()))
        .map(result -> checked(result, channel, message));
  }

  /**
   * As {@link #complete}, for one call that carried several messages: the classifier gives one
   * result per message, in order; a transport failure or timeout is the result of every message.
   */
  public Future<List<SendResult>> completeMany(
      Future<HttpResponse<Buffer>> sent,
      Channel channel,
      List<OutboundMessage> messages,
      Function<ProviderResponse, List<SendResult>> classifier) {
    return sent.timeout(deadlineMs, TimeUnit.MILLISECONDS)
        .transform(
            ar ->
                ar.succeeded()
                    ? Future.succeededFuture(
                        classifier.apply(new ProviderResponse(ar.result(), clock.instant())))
                    : transportFailure(ar.cause())
                        .map(r -> Collections.nCopies(messages.size(), r)))
        .map(
            results -> {
              if (results.size() != messages.size()) {
                throw new IllegalStateException(
                    results.size() + " results for " + messages.size() + " messages");
              }
              List<SendResult> out = new ArrayList<>(results.size());
              for (int i = 0; i < results.size(); i++) {
                out.add(checked(results.get(i), channel, messages.get(i)));
              }
              return out;
            });
  }

  private Future<SendResult> transportFailure(Throwable failure) {
    if (failure instanceof TimeoutException) {
      return Future.succeededFuture(
          SendResult.retryable("timeout", "no answer within " + deadlineMs + " ms", null, 0));
    }
    if (failure instanceof ConnectException) {
      return Future.succeededFuture(
          SendResult.retryable("network", "could not connect to the provider", null, 0));
    }
    boolean transport =
        failure instanceof IOException
            || failure instanceof DecoderException
            || (failure instanceof VertxException && !(failure instanceof DecodeException));
    if (transport) {
      return Future.succeededFuture(
          SendResult.retryable(
              "network",
              "connection failed (" + failure.getClass().getSimpleName() + ")",
              null,
              0));
    }
    return Future.failedFuture(failure);
  }

  private SendResult checked(SendResult result, Channel channel, OutboundMessage message) {
    if (result.outcome() == SendResult.Outcome.SENT && result.providerMessageId() == null) {
      warnUncorrelated(channel, message, result.httpStatus());
    }
    return result.errorMessage() == null
        ? result
        : result.withErrorMessage(Redaction.mask(result.errorMessage(), channel));
  }

  /** Throttled: a provider that answers every send this way would otherwise flood the log. */
  private void warnUncorrelated(Channel channel, OutboundMessage message, int status) {
    long now = System.nanoTime();
    long next = nextWarning.get();
    if (now - next < 0 || !nextWarning.compareAndSet(next, now + WARN_EVERY_NANOS)) {
      suppressed.incrementAndGet();
      return;
    }
    LOG.warn(
        "[tenant={}, channel={}, msg={}] {} accepted the message (HTTP {}) but its answer carried"
            + " no message id; status updates for it cannot be correlated ({} more like this since"
            + " the last warning)",
        channel.tenantId(),
        channel.id(),
        message.id(),
        provider.wireName(),
        status,
        suppressed.getAndSet(0));
  }
}
