package dev.sluice.gateway.core.signing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Checks Twilio's {@code X-Twilio-Signature} header: the Base64 HMAC-SHA1, keyed with the account's
 * auth token, of the full webhook URL followed by every POST parameter (names sorted, and values
 * sorted within a repeated name, each name immediately followed by its value). For {@code
 * application/json} bodies Twilio signs the URL alone and adds {@code bodySHA256=<hex SHA-256 of
 * the body>} to its query (twilio.com/docs/usage/webhooks/webhooks-security).
 *
 * <p>Port tolerance matches the official SDK validators (twilio-java, twilio-python, twilio-ruby,
 * twilio-php): a signature is accepted if it was computed over the URL with its explicit port
 * removed, or, when the URL has no port, with the scheme's default port ({@code https} 443, {@code
 * http} 80) added. Either way the URL as given is one of the two candidates. Any other part of the
 * URL (host case, user info, path, query) is signed exactly as given.
 *
 * <p>Stateless and thread-safe.
 */
public final class TwilioSignatureVerifier {

  private static final int SHA1_LENGTH = 20;
  private static final int SHA256_HEX_LENGTH = 64;
  private static final String BODY_HASH_PARAM = "bodySHA256";
  private static final byte[] NO_PARAMS = new byte[0];

  /**
   * Unicode code point order, which is also the byte order of the UTF-8 encodings. {@link
   * String#compareTo} compares UTF-16 units, which puts characters U+E000..U+FFFF after
   * supplementary characters; Twilio and its SDKs sort by code point (Python) or byte.
   */
  static final Comparator<String> CODE_POINT_ORDER = TwilioSignatureVerifier::compareCodePoints;

  /**
   * Verifies a form-encoded ({@code application/x-www-form-urlencoded}) or GET webhook.
   *
   * @param authToken the account's auth token; must not be empty
   * @param url the full URL Twilio requested, as configured in Twilio (scheme, host, port if any,
   *     path and query)
   * @param formParams the decoded POST parameters (see {@link #decodeForm}); {@code null} or empty
   *     for GET. A {@code null} value, or a name with no values, is signed as an empty value.
   * @param header the {@code X-Twilio-Signature} header value, or {@code null}
   * @return {@link Verdict#MISSING} if the header is absent or blank, {@link Verdict#MALFORMED} if
   *     it is not the Base64 of 20 bytes, {@link Verdict#MISMATCH} if no URL candidate matches,
   *     else {@link Verdict#VALID}
   * @throws IllegalArgumentException if {@code authToken} is empty
   */
  public Verdict verifyForm(
      String authToken, String url, Map<String, List<String>> formParams, String header) {
    byte[] key = key(authToken);
    Objects.requireNonNull(url, "url");
    if (header == null || header.isBlank()) {
      return Verdict.MISSING;
    }
    String signature = header.trim();
    if (!Crypto.isBase64Of(signature, SHA1_LENGTH)) {
      return Verdict.MALFORMED;
    }
    return matchesUrl(key, url, paramsSuffix(formParams), signature)
        ? Verdict.VALID
        : Verdict.MISMATCH;
  }

  /**
   * Verifies a JSON webhook (Twilio's {@code bodySHA256} variant): the body's SHA-256 must equal
   * the {@code bodySHA256} query parameter, and the signature must match the URL (with that
   * parameter) and no POST parameters. Both checks always run, so the time taken does not say which
   * failed.
   *
   * @param authToken the account's auth token; must not be empty
   * @param url the full URL Twilio requested, including its {@code bodySHA256} query parameter
   * @param rawBody the request body exactly as received
   * @param header the {@code X-Twilio-Signature} header value, or {@code null}
   * @return {@link Verdict#MISSING} if the header is absent or blank or the URL has no {@code
   *     bodySHA256} parameter, {@link Verdict#MALFORMED} if the header is not the Base64 of 20
   *     bytes or {@code bodySHA256} is not 64 hex digits, {@link Verdict#MISMATCH} if the body hash
   *     or the signature differs, else {@link Verdict#VALID}
   * @throws IllegalArgumentException if {@code authToken} is empty
   */
  public Verdict verifyJson(String authToken, String url, byte[] rawBody, String header) {
    byte[] key = key(authToken);
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(rawBody, "rawBody");
    if (header == null || header.isBlank()) {
      return Verdict.MISSING;
    }
    String bodyHash = firstQueryValue(url, BODY_HASH_PARAM);
    if (bodyHash == null) {
      return Verdict.MISSING;
    }
    String signature = header.trim();
    if (!Crypto.isBase64Of(signature, SHA1_LENGTH) || bodyHash.length() != SHA256_HEX_LENGTH) {
      return Verdict.MALFORMED;
    }
    byte[] claimedHash = Crypto.decodeHex(bodyHash, 0, bodyHash.length());
    if (claimedHash == null) {
      return Verdict.MALFORMED;
    }
    boolean bodyMatches = MessageDigest.isEqual(Crypto.sha256(rawBody), claimedHash);
    boolean signatureMatches = matchesUrl(key, url, NO_PARAMS, signature);
    return bodyMatches & signatureMatches ? Verdict.VALID : Verdict.MISMATCH;
  }

  /**
   * Decodes an {@code application/x-www-form-urlencoded} body as UTF-8: pairs are separated by
   * {@code &} (only; a {@code ;} is data), a pair without {@code =} has an empty value, empty pairs
   * are skipped, {@code +} becomes a space and {@code %XX} escapes are decoded as UTF-8 bytes
   * (invalid UTF-8 becomes U+FFFD, as browsers and the WHATWG URL standard do). Repeated names keep
   * their values in order.
   *
   * <p>Netty's {@code QueryStringDecoder} is not used because it also splits on {@code ;} by
   * default (so a message body {@code a;b} would be mis-signed), turns {@code =x} into a parameter
   * named {@code x}, and quotes the whole input in its exception messages.
   *
   * @return a new mutable map in first-appearance order, owned by the caller
   * @throws IllegalArgumentException if a {@code %} is not followed by two hex digits; the message
   *     gives the byte offset but never the body's content
   */
  public static Map<String, List<String>> decodeForm(byte[] body) {
    Map<String, List<String>> params = new LinkedHashMap<>();
    int length = body.length;
    int start = 0;
    while (start < length) {
      int end = indexOf(body, (byte) '&', start, length);
      if (end > start) {
        int eq = indexOf(body, (byte) '=', start, end);
        String name = decodeComponent(body, start, eq);
        String value = eq == end ? "" : decodeComponent(body, eq + 1, end);
        params.computeIfAbsent(name, n -> new ArrayList<>(1)).add(value);
      }
      start = end + 1;
    }
    return params;
  }

  /**
   * The URL Twilio may have signed other than the one given: without its explicit port, or with the
   * scheme's default port when it has none; {@code null} if there is no such alternative (unknown
   * scheme without port, or an authority this method cannot take apart).
   */
  static String alternateUrl(String url) {
    int schemeEnd = url.indexOf("://");
    if (schemeEnd <= 0) {
      return null;
    }
    int authorityStart = schemeEnd + 3;
    int authorityEnd = url.length();
    for (int i = authorityStart; i < url.length(); i++) {
      char c = url.charAt(i);
      if (c == '/' || c == '?' || c == '#') {
        authorityEnd = i;
        break;
      }
    }
    int at = url.lastIndexOf('@', authorityEnd - 1);
    int hostStart = at >= authorityStart ? at + 1 : authorityStart;
    if (hostStart >= authorityEnd) {
      return null;
    }
    int portColon;
    if (url.charAt(hostStart) == '[') {
      int close = url.indexOf(']', hostStart);
      if (close < 0 || close >= authorityEnd) {
        return null;
      }
      if (close + 1 == authorityEnd) {
        portColon = -1;
      } else if (url.charAt(close + 1) == ':') {
        portColon = close + 1;
      } else {
        return null;
      }
    } else {
      portColon = url.indexOf(':', hostStart);
      if (portColon >= authorityEnd) {
        portColon = -1;
      }
    }
    if (portColon >= 0) {
      if (!isDigits(url, portColon + 1, authorityEnd)) {
        return null;
      }
      return url.substring(0, portColon) + url.substring(authorityEnd);
    }
    String defaultPort = defaultPort(url, schemeEnd);
    if (defaultPort == null) {
      return null;
    }
    return url.substring(0, authorityEnd) + defaultPort + url.substring(authorityEnd);
  }

  private static String defaultPort(String url, int schemeEnd) {
    if (schemeEnd == 5 && url.regionMatches(true, 0, "https", 0, 5)) {
      return ":443";
    }
    if (schemeEnd == 4 && url.regionMatches(true, 0, "http", 0, 4)) {
      return ":80";
    }
    return null;
  }

  private static boolean matchesUrl(byte[] key, String url, byte[] paramsSuffix, String signature) {
    byte[] presented = signature.getBytes(StandardCharsets.US_ASCII);
    boolean matches = matchesOne(key, url, paramsSuffix, presented);
    String alternate = alternateUrl(url);
    if (alternate != null) {
      // Non-short-circuit OR: both candidates are always computed.
      matches |= matchesOne(key, alternate, paramsSuffix, presented);
    }
    return matches;
  }

  private static boolean matchesOne(
      byte[] key, String url, byte[] paramsSuffix, byte[] presentedBase64) {
    byte[] mac = Crypto.hmacSha1(key, url.getBytes(StandardCharsets.UTF_8), paramsSuffix);
    return MessageDigest.isEqual(Base64.getEncoder().encode(mac), presentedBase64);
  }

  private static byte[] paramsSuffix(Map<String, List<String>> params) {
    if (params == null || params.isEmpty()) {
      return NO_PARAMS;
    }
    List<String> names = new ArrayList<>(params.keySet());
    names.sort(CODE_POINT_ORDER);
    StringBuilder data = new StringBuilder(256);
    for (String name : names) {
      List<String> values = params.get(name);
      if (values == null || values.isEmpty()) {
        data.append(name);
        continue;
      }
      List<String> sorted = new ArrayList<>(values.size());
      for (String value : values) {
        sorted.add(value == null ? "" : value);
      }
      sorted.sort(CODE_POINT_ORDER);
      for (String value : sorted) {
        data.append(name).append(value);
      }
    }
    return data.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The raw (undecoded) value of the first query parameter with this exact name, or null. */
  static String firstQueryValue(String url, String name) {
    int query = url.indexOf('?');
    if (query < 0) {
      return null;
    }
    int fragment = url.indexOf('#', query);
    int end = fragment < 0 ? url.length() : fragment;
    int start = query + 1;
    while (start <= end) {
      int amp = url.indexOf('&', start);
      int pairEnd = amp < 0 || amp > end ? end : amp;
      int nameEnd = start + name.length();
      if (nameEnd <= pairEnd
          && url.startsWith(name, start)
          && (nameEnd == pairEnd || url.charAt(nameEnd) == '=')) {
        return nameEnd == pairEnd ? "" : url.substring(nameEnd + 1, pairEnd);
      }
      start = pairEnd + 1;
    }
    return null;
  }

  private static byte[] key(String authToken) {
    Objects.requireNonNull(authToken, "authToken");
    if (authToken.isEmpty()) {
      throw new IllegalArgumentException("authToken must not be empty");
    }
    return authToken.getBytes(StandardCharsets.UTF_8);
  }

  private static boolean isDigits(String s, int from, int to) {
    if (from >= to) {
      return false;
    }
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private static int indexOf(byte[] bytes, byte b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return to;
  }

  private static String decodeComponent(byte[] body, int from, int to) {
    boolean plain = true;
    for (int i = from; i < to && plain; i++) {
      plain = body[i] != '%' && body[i] != '+';
    }
    if (plain) {
      return new String(body, from, to - from, StandardCharsets.UTF_8);
    }
    byte[] out = new byte[to - from];
    int n = 0;
    for (int i = from; i < to; i++) {
      byte b = body[i];
      if (b == '+') {
        out[n++] = ' ';
      } else if (b == '%') {
        int hi = i + 2 < to ? Crypto.hexValue(body[i + 1]) : -1;
        int lo = i + 2 < to ? Crypto.hexValue(body[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
          throw new IllegalArgumentException(
              "malformed percent-escape at byte offset " + i + " of the form body");
        }
        out[n++] = (byte) ((hi << 4) | lo);
        i += 2;
      } else {
        out[n++] = b;
      }
    }
    return new String(out, 0, n, StandardCharsets.UTF_8);
  }

  private static int compareCodePoints(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char ca = a.charAt(i);
      char cb = b.charAt(i);
      if (ca != cb) {
        boolean sa = Character.isSurrogate(ca);
        boolean sb = Character.isSurrogate(cb);
        if (sa != sb) {
          // A surrogate starts a supplementary character, above every BMP character.
          return sa ? 1 : -1;
        }
        return ca - cb;
      }
    }
    return a.length() - b.length();
  }
}
