package dev.sluice.gateway.outbound;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberToTimeZonesMapper;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Quiet hours: the local times and days a message may be sent, in the recipient's time zone or a
 * named one. A number whose country spans several zones, and whose prefix does not tell which
 * (libphonenumber's time-zone mapper gives them all), may be sent to only when the window is open
 * in every one of them. A message is never sent late: one that misses a window waits for the next.
 *
 * @param from the local time the window opens (inclusive)
 * @param to the local time it closes (exclusive); before {@code from} means it runs past midnight
 * @param days the days (of the local date the window opens on) it opens
 * @param zone a fixed zone, or empty for the recipient's
 */
public record SendWindow(LocalTime from, LocalTime to, Set<DayOfWeek> days, Optional<ZoneId> zone) {

  /** How far ahead a window is looked for: beyond it, the zones share no open window. */
  private static final Duration HORIZON = Duration.ofDays(14);

  private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
  private static final PhoneNumberToTimeZonesMapper ZONES =
      PhoneNumberToTimeZonesMapper.getInstance();

  public SendWindow {
    if (from.equals(to)) {
      throw new IllegalArgumentException("a window's from and to must differ");
    }
    if (days.isEmpty()) {
      throw new IllegalArgumentException("a window needs at least one day");
    }
    days = Set.copyOf(days);
  }

  /**
   * A window from its JSON form: {@code {"from":"08:00","to":"21:00","days":["mon",…],
   * "timezone":"recipient"|"<IANA zone>"}}; {@code days} defaults to every day and {@code timezone}
   * to the recipient's.
   *
   * @throws IllegalArgumentException with a message fit for the client when it is not one
   */
  public static SendWindow fromJson(Object json) {
    if (!(json instanceof JsonObject o)) {
      throw new IllegalArgumentException("window must be an object {from, to, days?, timezone?}");
    }
    for (String field : o.fieldNames()) {
      if (!List.of("from", "to", "days", "timezone").contains(field)) {
        throw new IllegalArgumentException("window." + field + " is not a known field");
      }
    }
    LocalTime from = time(o.getValue("from"), "window.from");
    LocalTime to = time(o.getValue("to"), "window.to");
    Set<DayOfWeek> days = EnumSet.allOf(DayOfWeek.class);
    Object rawDays = o.getValue("days");
    if (rawDays != null) {
      if (!(rawDays instanceof JsonArray list) || list.isEmpty()) {
        throw new IllegalArgumentException("window.days must be a non-empty array of day names");
      }
      days = EnumSet.noneOf(DayOfWeek.class);
      for (Object d : list) {
        days.add(day(d));
      }
    }
    Optional<ZoneId> zone = Optional.empty();
    Object rawZone = o.getValue("timezone");
    if (rawZone != null && !"recipient".equals(rawZone)) {
      if (!(rawZone instanceof String name)) {
        throw new IllegalArgumentException("window.timezone must be \"recipient\" or a zone name");
      }
      try {
        zone = Optional.of(ZoneId.of(name));
      } catch (DateTimeException e) {
        throw new IllegalArgumentException(
            "window.timezone must be \"recipient\" or an IANA zone name like America/New_York");
      }
    }
    if (from.equals(to)) {
      throw new IllegalArgumentException("window.from and window.to must differ");
    }
    return new SendWindow(from, to, days, zone);
  }

  /** The JSON form {@link #fromJson} reads. */
  public JsonObject toJson() {
    JsonArray dayNames = new JsonArray();
    for (DayOfWeek d : DayOfWeek.values()) {
      if (days.contains(d)) {
        dayNames.add(d.name().substring(0, 3).toLowerCase(Locale.ROOT));
      }
    }
    return new JsonObject()
        .put("from", from.toString())
        .put("to", to.toString())
        .put("days", dayNames)
        .put("timezone", zone.map(ZoneId::getId).orElse("recipient"));
  }

  private static LocalTime time(Object value, String field) {
    if (value instanceof String s && s.matches("\\d{2}:\\d{2}")) {
      try {
        return LocalTime.parse(s);
      } catch (DateTimeException e) {
        // falls through to the error below
      }
    }
    throw new IllegalArgumentException(field + " must be a local time HH:MM, e.g. \"08:00\"");
  }

  private static DayOfWeek day(Object value) {
    if (value instanceof String s) {
      for (DayOfWeek d : DayOfWeek.values()) {
        String name = d.name().toLowerCase(Locale.ROOT);
        if (s.equalsIgnoreCase(name) || s.equalsIgnoreCase(name.substring(0, 3))) {
          return d;
        }
      }
    }
    throw new IllegalArgumentException("window.days holds " + value + ", not a day name (mon…sun)");
  }

  /** A window on every day of the week. */
  public static SendWindow daily(LocalTime from, LocalTime to, Optional<ZoneId> zone) {
    return new SendWindow(from, to, EnumSet.allOf(DayOfWeek.class), zone);
  }

  /**
   * When a message to {@code e164} may go, at {@code now} or later.
   *
   * @return {@code now} while the window is open for the recipient, the next opening otherwise;
   *     empty when the recipient's zones share no open window within two weeks, or the number has
   *     no known zone
   */
  public Optional<Instant> nextSendTime(String e164, Instant now) {
    List<ZoneId> zones = zonesOf(e164);
    if (zones.isEmpty()) {
      return Optional.empty();
    }
    Instant t = now;
    Instant end = now.plus(HORIZON);
    while (t.isBefore(end)) {
      Instant latest = t;
      for (ZoneId z : zones) {
        Instant open = nextOpen(t, z);
        if (open.isAfter(latest)) {
          latest = open;
        }
      }
      if (latest.equals(t)) {
        return Optional.of(t); // open in every zone
      }
      t = latest; // wait for the zone that opens last, then check the others again
    }
    return Optional.empty();
  }

  /** The zones the window is read in for this recipient. */
  List<ZoneId> zonesOf(String e164) {
    if (zone.isPresent()) {
      return List.of(zone.get());
    }
    PhoneNumber number;
    try {
      number = PHONES.parse(e164, null);
    } catch (NumberParseException e) {
      return List.of();
    }
    List<ZoneId> out = new ArrayList<>();
    for (String id : ZONES.getTimeZonesForNumber(number)) {
      if (!id.equals(PhoneNumberToTimeZonesMapper.getUnknownTimeZone())) {
        out.add(ZoneId.of(id));
      }
    }
    return out;
  }

  /** {@code t} if the window is open at {@code t} in {@code z}, else when it next opens there. */
  private Instant nextOpen(Instant t, ZoneId z) {
    ZonedDateTime local = t.atZone(z);
    // The opening that may still be running began today or (past midnight) yesterday.
    for (int d = -1; d <= 8; d++) {
      ZonedDateTime opens =
          local.toLocalDate().plusDays(d).atTime(from).atZone(z).truncatedTo(ChronoUnit.MINUTES);
      if (!days.contains(opens.getDayOfWeek())) {
        continue;
      }
      ZonedDateTime closes =
          (to.isAfter(from) ? opens.toLocalDate() : opens.toLocalDate().plusDays(1))
              .atTime(to)
              .atZone(z);
      if (!t.isBefore(closes.toInstant())) {
        continue; // already over
      }
      return t.isBefore(opens.toInstant()) ? opens.toInstant() : t;
    }
    return t.plus(HORIZON); // no day of the window in the coming week: cannot happen with a day set
  }
}
