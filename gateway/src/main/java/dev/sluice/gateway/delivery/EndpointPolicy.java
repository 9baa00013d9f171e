package dev.sluice.gateway.delivery;

import dev.sluice.gateway.config.GatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which tenant endpoints the gateway may call. An endpoint URL must be https and its host must
 * resolve only to public addresses — not loopback, private, link-local, shared (CGNAT), multicast
 * or otherwise reserved — so a tenant cannot point the gateway into the operator's network (SSRF).
 * Operators relax this for tests and local use ({@code delivery.allowHttp}, {@code
 * delivery.allowPrivate}).
 *
 * <p>The host is resolved when the endpoint is set and again before each delivery, and the request
 * goes to the address checked ({@link Resolved#address}), so a DNS answer that changes to a private
 * address later (rebinding) is refused too. Resolution runs on a worker thread and is cached for a
 * few seconds. Thread-safe.
 */
public final class EndpointPolicy {
  private static final long CACHE_MS = 30_000;

  private final boolean allowHttp;
  private final boolean allowPrivate;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  private record Cached(long atMs, Future<InetAddress> address) {}

  /** A URL that passed the checks, with the address to connect to. */
  public record Resolved(URI url, InetAddress address) {}

  /** Why an endpoint is refused: a code for the API error and a message for people. */
  public static final class Refused extends Exception {
    private final String code;

    Refused(String code, String message) {
      super(message, null, false, false);
      this.code = code;
    }

    public String code() {
      return code;
    }
  }

  public EndpointPolicy(GatewayConfig.Delivery config) {
    this(config.allowHttp(), config.allowPrivate());
  }

  public EndpointPolicy(boolean allowHttp, boolean allowPrivate) {
    this.allowHttp = allowHttp;
    this.allowPrivate = allowPrivate;
  }

  /**
   * Checks the URL's form: absolute, https (or http if allowed), a host, no user info or fragment.
   *
   * @return the normalised URL
   * @throws Refused {@code invalid_url} or {@code endpoint_not_allowed}
   */
  public URI checkForm(String url) throws Refused {
    URI uri;
    try {
      uri = new URI(url).normalize();
    } catch (URISyntaxException | NullPointerException e) {
      throw new Refused("invalid_url", "url must be an absolute https URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!uri.isAbsolute() || uri.getHost() == null || uri.getRawAuthority() == null) {
      throw new Refused("invalid_url", "url must be an absolute https URL with a host");
    }
    if (uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
      throw new Refused("invalid_url", "url must not carry user info or a fragment");
    }
    if (!scheme.equals("https") && !(scheme.equals("http") && allowHttp)) {
      throw new Refused(
          "endpoint_not_allowed",
          scheme.equals("http")
              ? "url must be https (plain http is allowed only where the operator enabled it)"
              : "url must be an https URL");
    }
    if (url.length() > 2048) {
      throw new Refused("invalid_url", "url is longer than 2048 characters");
    }
    return uri;
  }

  /**
   * Checks the URL and resolves its host: every address must be public unless private ones are
   * allowed. Fails with {@link Refused}: {@code invalid_url}, {@code endpoint_not_allowed} or
   * {@code endpoint_unresolvable}.
   */
  public Future<Resolved> resolve(Vertx vertx, String url) {
    URI uri;
    try {
      uri = checkForm(url);
    } catch (Refused e) {
      return Future.failedFuture(e);
    }
    String host = hostOf(uri);
    long now = System.currentTimeMillis();
    Cached cached = cache.get(host);
    if (cached == null || now - cached.atMs() > CACHE_MS || cached.address().failed()) {
      cached = new Cached(now, vertx.executeBlocking(() -> checked(host), false));
      cache.put(host, cached);
      if (cache.size() > 10_000) {
        cache.clear(); // bounded: tenants cannot grow it without end
      }
    }
    return cached.address().map(a -> new Resolved(uri, a));
  }

  private static String hostOf(URI uri) {
    String host = uri.getHost();
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  private InetAddress checked(String host) throws Refused {
    InetAddress[] all;
    try {
      all = InetAddress.getAllByName(host);
    } catch (UnknownHostException | SecurityException e) {
      throw new Refused("endpoint_unresolvable", "the url's host does not resolve");
    }
    if (!allowPrivate) {
      for (InetAddress a : all) {
        if (!isPublic(a)) {
          throw new Refused(
              "endpoint_not_allowed",
              "the url's host resolves to a loopback, private or reserved address");
        }
      }
    }
    return all[0];
  }

  /** True for a globally routable unicast address. */
  static boolean isPublic(InetAddress a) {
    if (a.isAnyLocalAddress()
        || a.isLoopbackAddress()
        || a.isLinkLocalAddress()
        || a.isSiteLocalAddress()
        || a.isMulticastAddress()) {
      return false;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      return isPublicV4(b);
    }
    if (a instanceof Inet6Address) {
      int first = b[0] & 0xff;
      if ((first & 0xfe) == 0xfc) {
        return false; // fc00::/7 unique local
      }
      if ((first == 0xfe) && ((b[1] & 0xc0) == 0xc0)) {
        return false; // fec0::/10 site local (deprecated)
      }
      if (isPrefix(b, new byte[] {0x20, 0x01, 0x0d, (byte) 0xb8}, 32)) {
        return false; // 2001:db8::/32 documentation
      }
      if (isPrefix(b, new byte[] {0x00, 0x64, (byte) 0xff, (byte) 0x9b}, 96)) {
        return isPublicV4(tail4(b)); // 64:ff9b::/96 NAT64
      }
      if (isPrefix(b, new byte[] {0x20, 0x02}, 16)) {
        // 2002::/16 6to4 (RFC 3056): the relay delivers to the IPv4 address in bits 16-47.
        return isPublicV4(new byte[] {b[2], b[3], b[4], b[5]});
      }
      if (isPrefix(b, new byte[] {0x20, 0x01, 0x00, 0x00}, 32)) {
        // 2001::/32 Teredo (RFC 4380): the server's IPv4 in bits 32-63, the client's in the last
        // 32 bits, inverted. Either may be where the packets end up.
        byte[] client = {(byte) ~b[12], (byte) ~b[13], (byte) ~b[14], (byte) ~b[15]};
        return isPublicV4(new byte[] {b[4], b[5], b[6], b[7]}) && isPublicV4(client);
      }
      boolean mappedOrCompat = true;
      for (int i = 0; i < 10; i++) {
        mappedOrCompat &= b[i] == 0;
      }
      if (mappedOrCompat && ((b[10] == (byte) 0xff && b[11] == (byte) 0xff))) {
        return isPublicV4(tail4(b)); // ::ffff:a.b.c.d
      }
      if (mappedOrCompat && b[10] == 0 && b[11] == 0) {
        return false; // ::/96 (IPv4-compatible, ::, ::1)
      }
      return (first & 0xe0) == 0x20; // 2000::/3 global unicast
    }
    return false;
  }

  private static boolean isPublicV4(byte[] b) {
    int o0 = b[0] & 0xff;
    int o1 = b[1] & 0xff;
    int o2 = b[2] & 0xff;
    return !(o0 == 0 // "this" network
        || o0 == 10
        || o0 == 127
        || (o0 == 100 && o1 >= 64 && o1 <= 127) // shared address space (CGNAT)
        || (o0 == 169 && o1 == 254)
        || (o0 == 172 && o1 >= 16 && o1 <= 31)
        || (o0 == 192 && o1 == 0 && o2 == 0) // IETF protocol assignments
        || (o0 == 192 && o1 == 0 && o2 == 2) // documentation
        || (o0 == 192 && o1 == 168)
        || (o0 == 198 && (o1 == 18 || o1 == 19)) // benchmarking
        || (o0 == 198 && o1 == 51 && o2 == 100) // documentation
        || (o0 == 203 && o1 == 0 && o2 == 113) // documentation
        || o0 >= 224); // multicast, reserved, broadcast
  }

  private static byte[] tail4(byte[] b) {
    return new byte[] {b[12], b[13], b[14], b[15]};
  }

  private static boolean isPrefix(byte[] address, byte[] prefix, int bits) {
    for (int i = 0; i < prefix.length && i * 8 < bits; i++) {
      if (address[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
