package dev.sluice.gateway.http;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The methods each path of a router has, for the {@code Allow} header that a 405 must carry (RFC
 * 9110, section 15.5.6). Vert.x Web answers 405 when a route matches the path but not the method,
 * and does not say which methods would do. Built once from the router's routes, after every feature
 * mounted its own; a route without methods (a handler for every method, such as an authentication
 * check) names none.
 */
final class AllowedMethods {
  private record PathMethods(Pattern path, Set<HttpMethod> methods) {}

  private static final Pattern PARAMETER = Pattern.compile(":[A-Za-z][A-Za-z0-9_]*");

  private final List<PathMethods> routes = new ArrayList<>();

  AllowedMethods(List<Route> mounted) {
    for (Route r : mounted) {
      if (r.getPath() == null || r.methods() == null || r.methods().isEmpty()) {
        continue;
      }
      routes.add(new PathMethods(pattern(r.getPath(), r.isExactPath()), r.methods()));
    }
  }

  /** A route's path as a pattern: {@code :name} is one segment, a trailing {@code *} anything. */
  static Pattern pattern(String path, boolean exact) {
    StringBuilder regex = new StringBuilder();
    var m = PARAMETER.matcher(path);
    int at = 0;
    while (m.find()) {
      regex.append(Pattern.quote(path.substring(at, m.start()))).append("[^/]+");
      at = m.end();
    }
    String rest = path.substring(at);
    boolean prefix = !exact || rest.endsWith("*");
    if (rest.endsWith("*")) {
      rest = rest.substring(0, rest.length() - 1);
    }
    if (!rest.isEmpty()) {
      regex.append(Pattern.quote(rest));
    }
    // Vert.x ignores one trailing slash on an exact path.
    return Pattern.compile(regex + (prefix ? ".*" : "/?"));
  }

  /** The methods {@code path} has, sorted and comma-separated ("GET, POST"); "" when none. */
  String at(String path) {
    Set<String> names = new TreeSet<>();
    for (PathMethods r : routes) {
      if (r.path().matcher(path).matches()) {
        r.methods().forEach(method -> names.add(method.name()));
      }
    }
    return String.join(", ", names);
  }
}
