package dev.sluice.gateway.testing;

import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.redis.RedisBackend;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A private redis-server with this source tree's function library loaded, for the contract tests of
 * the stores. A library is loaded server-wide, and the shared Redis may hold another branch's or a
 * newer version's: a contract test must call the functions of the file it is built with.
 *
 * <pre>{@code
 * static LibraryRedis redis = LibraryRedis.start("ct:");
 * InboundStore store = new InboundStore(redis.backend());
 * }</pre>
 */
public final class LibraryRedis implements AutoCloseable {
  private final RedisServerProcess server;
  private final Vertx vertx;
  private final RedisBackend backend;

  private LibraryRedis(RedisServerProcess server, Vertx vertx, RedisBackend backend) {
    this.server = server;
    this.vertx = vertx;
    this.backend = backend;
  }

  /**
   * Starts the server and loads the library.
   *
   * @param keyPrefix the namespace the backend's keys carry ({@code redis.keyPrefix})
   */
  public static LibraryRedis start(String keyPrefix) {
    RedisServerProcess server = new RedisServerProcess().start();
    Vertx vertx = Vertx.vertx();
    RedisBackend backend =
        RedisBackend.create(
            vertx,
            ConfigLoader.load(
                    Map.of("redis.url", server.url(), "redis.keyPrefix", keyPrefix), Map.of())
                .config()
                .redis());
    backend.loadFunctions().await();
    return new LibraryRedis(server, vertx, backend);
  }

  /** A client of the server, through its pool; the stores take it as their connection. */
  public RedisBackend backend() {
    return backend;
  }

  /** Sends one command and waits for the reply (JUnit thread only). */
  public Response send(Request request) {
    return backend.send(request).await();
  }

  /** The length of a stream. */
  public long xlen(String key) {
    return send(Request.cmd(Command.XLEN).arg(key)).toLong();
  }

  /** A sorted set member's score, or {@code null}. */
  public Long zscore(String key, String member) {
    Response r = send(Request.cmd(Command.ZSCORE).arg(key).arg(member));
    return r == null ? null : r.toDouble().longValue();
  }

  /** A hash field, or {@code null}. */
  public String hget(String key, String field) {
    Response r = send(Request.cmd(Command.HGET).arg(key).arg(field));
    return r == null ? null : r.toString();
  }

  public boolean exists(String key) {
    return send(Request.cmd(Command.EXISTS).arg(key)).toLong() == 1;
  }

  /** Appends an entry with these fields (name, value, …) to a stream; its id. */
  public String xadd(String key, String... fields) {
    Request r = Request.cmd(Command.XADD).arg(key).arg("*");
    for (String f : fields) {
      r.arg(f);
    }
    return send(r).toString();
  }

  /** The field values of a stream's entries, oldest first: one name → value list per entry. */
  public List<Map<String, String>> entries(String key) {
    List<Map<String, String>> out = new ArrayList<>();
    for (Response entry : send(Request.cmd(Command.XRANGE).arg(key).arg("-").arg("+"))) {
      Map<String, String> fields = new LinkedHashMap<>();
      Response flat = entry.get(1);
      for (int i = 0; i + 1 < flat.size(); i += 2) {
        fields.put(flat.get(i).toString(), flat.get(i + 1).toString());
      }
      out.add(fields);
    }
    return out;
  }

  @Override
  public void close() {
    backend.close().await();
    vertx.close().await();
    server.close();
  }
}
