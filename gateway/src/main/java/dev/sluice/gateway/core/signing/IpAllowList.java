package dev.sluice.gateway.core.signing;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The source addresses a channel accepts webhooks from, as CIDR blocks ({@code 10.0.0.0/8}, {@code
 * 2001:db8::/32}; a bare address is a /32 or /128). An empty list allows every address.
 *
 * <p>Only IP literals are parsed, by this class itself: no {@code InetAddress} lookups, because a
 * host name would trigger a blocking DNS query on the event loop. An IPv4-mapped IPv6 remote
 * address ({@code ::ffff:10.1.2.3}, as dual-stack sockets report IPv4 peers) is also matched
 * against the IPv4 blocks.
 *
 * <p>Immutable and thread-safe.
 */
public final class IpAllowList {

  private static final IpAllowList ALLOW_ALL =
      new IpAllowList(List.of(), new byte[0][], new int[0]);

  private final List<String> entries;
  private final byte[][] networks;
  private final int[] prefixLengths;

  private IpAllowList(List<String> entries, byte[][] networks, int[] prefixLengths) {
    this.entries = entries;
    this.networks = networks;
    this.prefixLengths = prefixLengths;
  }

  /**
   * Parses CIDR blocks.
   *
   * @param cidrs IPv4 or IPv6 blocks or bare addresses; surrounding spaces are ignored
   * @throws IllegalArgumentException naming the first bad entry: not an IP literal (host names,
   *     zone ids and bracketed forms included), a prefix length out of range, or address bits set
   *     beyond the prefix (such as {@code 10.0.0.1/8}, most likely a typo for a /32)
   */
  public static IpAllowList parse(List<String> cidrs) {
    Objects.requireNonNull(cidrs, "cidrs");
    if (cidrs.isEmpty()) {
      return ALLOW_ALL;
    }
    List<String> entries = new ArrayList<>(cidrs.size());
    byte[][] networks = new byte[cidrs.size()][];
    int[] prefixLengths = new int[cidrs.size()];
    for (int i = 0; i < cidrs.size(); i++) {
      String raw = cidrs.get(i);
      if (raw == null) {
        throw new IllegalArgumentException("ip allow-list entry #" + i + " is null");
      }
      String entry = raw.trim();
      int slash = entry.indexOf('/');
      String address = slash < 0 ? entry : entry.substring(0, slash);
      byte[] network = parseLiteral(address);
      if (network == null) {
        throw new IllegalArgumentException(
            "ip allow-list entry '" + raw + "' is not an IPv4 or IPv6 literal or CIDR block");
      }
      int maxPrefix = network.length * 8;
      int prefix = maxPrefix;
      if (slash >= 0) {
        prefix = parsePrefix(entry.substring(slash + 1), maxPrefix);
        if (prefix < 0) {
          throw new IllegalArgumentException(
              "ip allow-list entry '" + raw + "' needs a prefix length 0.." + maxPrefix);
        }
      }
      if (hasHostBits(network, prefix)) {
        throw new IllegalArgumentException(
            "ip allow-list entry '" + raw + "' has address bits set beyond /" + prefix);
      }
      entries.add(entry);
      networks[i] = network;
      prefixLengths[i] = prefix;
    }
    return new IpAllowList(List.copyOf(entries), networks, prefixLengths);
  }

  /**
   * Whether a request from this address is accepted.
   *
   * @param remoteAddress the peer's IP literal, optionally in brackets or with an IPv6 zone id
   *     ({@code fe80::1%eth0}); {@code null} or anything else that is not an IP literal is refused
   *     unless the list is empty
   */
  public boolean allows(String remoteAddress) {
    if (networks.length == 0) {
      return true;
    }
    if (remoteAddress == null) {
      return false;
    }
    String literal = remoteAddress.trim();
    if (literal.length() > 2 && literal.charAt(0) == '[' && literal.endsWith("]")) {
      literal = literal.substring(1, literal.length() - 1);
    }
    int zone = literal.indexOf('%');
    if (zone >= 0 && literal.indexOf(':') >= 0) {
      literal = literal.substring(0, zone);
    }
    byte[] address = parseLiteral(literal);
    if (address == null) {
      return false;
    }
    byte[] mappedV4 = address.length == 16 ? ipv4Mapped(address) : null;
    for (int i = 0; i < networks.length; i++) {
      byte[] network = networks[i];
      if (network.length == address.length && matches(address, network, prefixLengths[i])) {
        return true;
      }
      if (mappedV4 != null && network.length == 4 && matches(mappedV4, network, prefixLengths[i])) {
        return true;
      }
    }
    return false;
  }

  /** Whether this list accepts every address (it was built from an empty list). */
  public boolean allowsAll() {
    return networks.length == 0;
  }

  /** The entries as given, trimmed. */
  public List<String> entries() {
    return entries;
  }

  @Override
  public String toString() {
    return "IpAllowList" + (entries.isEmpty() ? "[allow all]" : entries.toString());
  }

  /** A 4- or 16-byte address, or null if the text is not a plain IPv4 or IPv6 literal. */
  static byte[] parseLiteral(String s) {
    if (s.indexOf(':') >= 0) {
      return parseIpv6(s);
    }
    byte[] out = new byte[4];
    return parseIpv4(s, out, 0) ? out : null;
  }

  private static boolean matches(byte[] address, byte[] network, int prefix) {
    int fullBytes = prefix / 8;
    for (int i = 0; i < fullBytes; i++) {
      if (address[i] != network[i]) {
        return false;
      }
    }
    int remainingBits = prefix % 8;
    if (remainingBits == 0) {
      return true;
    }
    int mask = (0xff << (8 - remainingBits)) & 0xff;
    return (address[fullBytes] & mask) == (network[fullBytes] & mask);
  }

  private static boolean hasHostBits(byte[] network, int prefix) {
    for (int bit = prefix; bit < network.length * 8; bit++) {
      if ((network[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
        return true;
      }
    }
    return false;
  }

  private static byte[] ipv4Mapped(byte[] address) {
    for (int i = 0; i < 10; i++) {
      if (address[i] != 0) {
        return null;
      }
    }
    if (address[10] != (byte) 0xff || address[11] != (byte) 0xff) {
      return null;
    }
    return new byte[] {address[12], address[13], address[14], address[15]};
  }

  private static int parsePrefix(String s, int max) {
    if (s.isEmpty() || s.length() > 3 || (s.length() > 1 && s.charAt(0) == '0')) {
      return -1;
    }
    int value = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value <= max ? value : -1;
  }

  /**
   * Parses dotted-quad IPv4 into {@code out[offset..offset+4)}: exactly four decimal parts 0..255
   * without leading zeros (which some parsers read as octal).
   */
  private static boolean parseIpv4(String s, byte[] out, int offset) {
    int part = 0;
    int value = 0;
    int digits = 0;
    for (int i = 0; i <= s.length(); i++) {
      char c = i < s.length() ? s.charAt(i) : '.';
      if (c == '.') {
        if (digits == 0 || part > 3) {
          return false;
        }
        out[offset + part++] = (byte) value;
        value = 0;
        digits = 0;
      } else if (c >= '0' && c <= '9') {
        if (digits > 0 && value == 0) {
          return false;
        }
        value = value * 10 + (c - '0');
        if (++digits > 3 || value > 255) {
          return false;
        }
      } else {
        return false;
      }
    }
    return part == 4;
  }

  /**
   * Parses RFC 4291 section 2.2 text: eight groups of 1-4 hex digits, at most one {@code ::}, and
   * optionally a dotted-quad IPv4 address as the last 32 bits. No zone ids, no brackets.
   */
  private static byte[] parseIpv6(String s) {
    if (s.length() < 2 || s.length() > 45) {
      return null;
    }
    int gap = s.indexOf("::");
    if (gap >= 0 && (s.indexOf("::", gap + 1) >= 0 || s.lastIndexOf('.', gap) >= 0)) {
      // At most one "::", and an embedded IPv4 address may only come after it.
      return null;
    }
    byte[] out = new byte[16];
    if (gap < 0) {
      return parseGroups(s, out, 0, 16) == 16 ? out : null;
    }
    byte[] head = new byte[16];
    byte[] tail = new byte[16];
    int headBytes = gap == 0 ? 0 : parseGroups(s.substring(0, gap), head, 0, 14);
    int tailBytes = gap + 2 == s.length() ? 0 : parseGroups(s.substring(gap + 2), tail, 0, 14);
    if (headBytes < 0 || tailBytes < 0 || headBytes + tailBytes > 14) {
      return null;
    }
    System.arraycopy(head, 0, out, 0, headBytes);
    System.arraycopy(tail, 0, out, 16 - tailBytes, tailBytes);
    return out;
  }

  /**
   * Parses colon-separated groups (the last may be a dotted quad) into {@code out}; returns the
   * number of bytes written, or -1 if the text is malformed or would exceed {@code maxBytes}.
   */
  private static int parseGroups(String s, byte[] out, int offset, int maxBytes) {
    int written = 0;
    int start = 0;
    while (true) {
      int colon = s.indexOf(':', start);
      int end = colon < 0 ? s.length() : colon;
      if (end == start) {
        return -1;
      }
      if (colon < 0 && s.indexOf('.', start) >= 0) {
        if (written + 4 > maxBytes || !parseIpv4(s.substring(start), out, offset + written)) {
          return -1;
        }
        return written + 4;
      }
      if (end - start > 4 || written + 2 > maxBytes) {
        return -1;
      }
      int value = 0;
      for (int i = start; i < end; i++) {
        int digit = Crypto.hexValue(s.charAt(i));
        if (digit < 0) {
          return -1;
        }
        value = (value << 4) | digit;
      }
      out[offset + written++] = (byte) (value >>> 8);
      out[offset + written++] = (byte) value;
      if (colon < 0) {
        return written;
      }
      start = colon + 1;
    }
  }
}
