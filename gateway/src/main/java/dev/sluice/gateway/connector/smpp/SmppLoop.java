package dev.sluice.gateway.connector.smpp;

import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.VertxInternal;
import java.util.concurrent.TimeUnit;

/**
 * The event loop of an instance's SMPP binds and of the admission of what they receive: a thread of
 * its own, beside the loops that serve HTTP and dispatch. An SMSC waits for each deliver_sm_resp
 * with a window of its own; on a shared loop a receipt's answer queued behind request handlers, and
 * the SMSC's window of receipts filled while the gateway was busy accepting messages. Here a
 * receipt is read, admitted (one Redis round trip) and answered without leaving the thread.
 *
 * <p>Vert.x has no public way to put a context on a loop of one's own; {@code
 * VertxInternal.contextBuilder()} (Vert.x 5) does it. The loop is Netty's NIO transport, the one
 * Vert.x uses here. Deployed before the binds and their admission, undeployed after them.
 */
public final class SmppLoop extends VerticleBase {
  private MultiThreadIoEventLoopGroup group;
  private volatile Context loop;

  @Override
  public Future<?> start() {
    group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("sluice-smpp", true), NioIoHandler.newFactory());
    loop =
        ((VertxInternal) vertx)
            .contextBuilder()
            .withThreadingModel(ThreadingModel.EVENT_LOOP)
            .withEventLoop(group.next())
            .build();
    return Future.succeededFuture();
  }

  /** The context every SMPP connection and its admission run on. */
  public Context context() {
    Context c = loop;
    if (c == null) {
      throw new IllegalStateException("the SMPP loop is not started");
    }
    return c;
  }

  @Override
  public Future<?> stop() {
    Promise<Void> stopped = Promise.promise();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).addListener(f -> stopped.tryComplete());
    return stopped.future();
  }
}
