package dev.sluice.gateway.redis;

import dev.sluice.gateway.config.GatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Walks the key space with SCAN and deletes keys in bulk, on a single server or on every master of
 * a cluster. A SCAN covers only the server it is sent to, so on a cluster each master (found with
 * {@code CLUSTER SLOTS}) is walked over a connection of its own; deletes go through the cluster
 * client, one UNLINK per hash slot tag, since a command's keys must share a slot.
 */
final class KeyScan {
  private final Vertx vertx;
  private final GatewayConfig.Redis config;
  private final RedisCommands shared;

  KeyScan(Vertx vertx, GatewayConfig.Redis config, RedisCommands shared) {
    this.vertx = vertx;
    this.config = config;
    this.shared = shared;
  }

  Future<Void> scan(String match, int count, Function<List<String>, Future<?>> onKeys) {
    if (!config.cluster()) {
      return walk(shared::send, match, count, onKeys);
    }
    return shared
        .send(Request.cmd(Command.CLUSTER).arg("SLOTS"))
        .compose(
            slots -> {
              Future<Void> chain = Future.succeededFuture();
              for (String endpoint : masters(slots)) {
                chain = chain.compose(v -> walkNode(endpoint, match, count, onKeys));
              }
              return chain;
            });
  }

  Future<Long> unlink(Collection<String> keys) {
    Map<String, List<String>> bySlot = new LinkedHashMap<>();
    for (String key : keys) {
      bySlot.computeIfAbsent(slotTag(key), t -> new ArrayList<>()).add(key);
    }
    List<Future<Response>> calls = new ArrayList<>();
    for (List<String> group : bySlot.values()) {
      Request unlink = Request.cmd(Command.UNLINK);
      group.forEach(unlink::arg);
      calls.add(shared.send(unlink));
    }
    return Future.all(calls)
        .map(
            all -> {
              long n = 0;
              for (Future<Response> f : calls) {
                n += f.result() == null ? 0 : f.result().toLong();
              }
              return n;
            });
  }

  /**
   * What decides a key's cluster slot: the text between the first {@code {} and the next {@code }}
   * when it is not empty, else the whole key.
   */
  static String slotTag(String key) {
    int open = key.indexOf('{');
    if (open >= 0) {
      int close = key.indexOf('}', open + 1);
      if (close > open + 1) {
        return key.substring(open + 1, close);
      }
    }
    return key;
  }

  private Future<Void> walkNode(
      String endpoint, String match, int count, Function<List<String>, Future<?>> onKeys) {
    Redis node =
        Redis.createClient(
            vertx,
            new RedisOptions()
                .setType(RedisClientType.STANDALONE)
                .setConnectionString(endpoint)
                .setMaxPoolSize(1)
                .setMaxPoolWaiting(4)
                .setNetClientOptions(
                    new NetClientOptions().setConnectTimeout((int) config.connectTimeoutMs())));
    return walk(
            request -> node.send(request).timeout(config.commandTimeoutMs(), TimeUnit.MILLISECONDS),
            match,
            count,
            onKeys)
        .eventually(node::close);
  }

  /**
   * Walks one server from cursor 0 to its end. Each step starts from the previous one's callback
   * rather than being composed onto it, so a walk of millions of keys nests no Futures.
   */
  private static Future<Void> walk(
      Function<Request, Future<Response>> send,
      String match,
      int count,
      Function<List<String>, Future<?>> onKeys) {
    Promise<Void> done = Promise.promise();
    step(send, match, count, onKeys, "0", done);
    return done.future();
  }

  private static void step(
      Function<Request, Future<Response>> send,
      String match,
      int count,
      Function<List<String>, Future<?>> onKeys,
      String cursor,
      Promise<Void> done) {
    send.apply(
            Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(match).arg("COUNT").arg(count))
        .compose(
            reply -> {
              String next = reply.get(0).toString();
              List<String> keys = new ArrayList<>(reply.get(1).size());
              reply.get(1).forEach(k -> keys.add(k.toString()));
              Future<?> handled = keys.isEmpty() ? Future.succeededFuture() : onKeys.apply(keys);
              return handled.map(next);
            })
        .onComplete(
            ar -> {
              if (ar.failed()) {
                done.fail(ar.cause());
              } else if (ar.result().equals("0")) {
                done.complete();
              } else {
                step(send, match, count, onKeys, ar.result(), done);
              }
            });
  }

  /** The connection strings of the masters in a {@code CLUSTER SLOTS} reply. */
  private Set<String> masters(Response slots) {
    URI seed = URI.create(config.urls().get(0));
    Set<String> out = new LinkedHashSet<>();
    for (Response range : slots) {
      Response master = range.get(2);
      String host = master.get(0).toString();
      if (host.isEmpty() || host.equals("?")) {
        host = seed.getHost(); // the node does not know its own address: the one we reached it by
      }
      String userInfo = seed.getRawUserInfo() == null ? "" : seed.getRawUserInfo() + "@";
      String address = host.contains(":") ? "[" + host + "]" : host;
      out.add(seed.getScheme() + "://" + userInfo + address + ":" + master.get(1).toInteger());
    }
    return out;
  }

  /** Escapes the glob characters of a literal for a SCAN MATCH pattern. */
  static String globLiteral(String text) {
    StringBuilder sb = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.toString();
  }
}
