package dev.sluice.gateway.http;

import dev.sluice.gateway.core.GatewayException;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Set;

/**
 * The query parameters of a listing ({@code GET /v1/messages}, {@code GET /admin/tenants}): each
 * one known, given once and readable, else 400 {@code bad_request} naming it.
 */
public final class QueryParams {
  private final RoutingContext ctx;

  /**
   * @param known the parameters the path takes; any other is refused
   */
  public QueryParams(RoutingContext ctx, Set<String> known) {
    this.ctx = ctx;
    for (String name : ctx.queryParams().names()) {
      if (!known.contains(name)) {
        throw badRequest(
            name + " is not a parameter of " + ctx.request().path() + " " + sorted(known));
      }
    }
  }

  private static String sorted(Set<String> names) {
    return names.stream().sorted().toList().toString().replace('[', '(').replace(']', ')');
  }

  /** The parameter's one value; {@code null} when absent. */
  public String string(String name) {
    List<String> values = ctx.queryParam(name);
    if (values.isEmpty()) {
      return null;
    }
    if (values.size() > 1) {
      throw badRequest(name + " is given more than once");
    }
    return values.get(0);
  }

  /** A whole number in {@code [min, max]}, or {@code fallback} when absent. */
  public int integer(String name, int min, int max, int fallback) {
    return (int) number(name, min, max, fallback);
  }

  /** A whole number in {@code [min, max]}, or {@code fallback} when absent. */
  public long number(String name, long min, long max, long fallback) {
    String text = string(name);
    if (text == null) {
      return fallback;
    }
    try {
      long value = Long.parseLong(text);
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw badRequest(name + " must be a whole number " + min + ".." + max);
  }

  /** An ISO-8601 instant ({@code 2026-01-31T12:00:00Z}), or {@code null} when absent. */
  public Instant instant(String name) {
    String text = string(name);
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw badRequest(name + " must be an ISO-8601 time such as 2026-01-31T12:00:00Z");
    }
  }

  public static GatewayException badRequest(String message) {
    return GatewayException.malformed("bad_request", message);
  }
}
