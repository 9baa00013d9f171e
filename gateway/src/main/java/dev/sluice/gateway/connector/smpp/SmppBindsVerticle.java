package dev.sluice.gateway.connector.smpp;

import dev.sluice.gateway.tenant.Channel;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.Collection;
import java.util.function.Supplier;

/**
 * The lifecycle of an instance's SMPP binds: binds every smpp channel of the directory at start
 * (receipts and mobile-originated messages need the receiving side bound even when nothing is sent)
 * and unbinds them all at stop, after the dispatchers have stopped.
 */
public final class SmppBindsVerticle extends VerticleBase {
  private final SmppConnector connector;
  private final Supplier<Collection<Channel>> channels;

  public SmppBindsVerticle(SmppConnector connector, Supplier<Collection<Channel>> channels) {
    this.connector = connector;
    this.channels = channels;
  }

  @Override
  public Future<?> start() {
    connector.sync(channels.get());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    return connector.close();
  }
}
