package dev.sluice.gateway.ingress.parse;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;

/**
 * Provider timestamps to Unix seconds; an absent or unparseable time is 0, never an error. So is a
 * time before 1970 or after 9999: no provider sends one, and one past PostgreSQL's range (year
 * 294276) would make the ledger refuse the status it came with.
 */
final class Timestamps {

  /** 9999-12-31T23:59:59Z. */
  static final long MAX_SECONDS = 253_402_300_799L;

  /**
   * ISO-8601 local date-time with an optional offset written {@code +0000} (Infobip, after Java's
   * {@code SSSZ}), {@code +00:00} or {@code Z}; no offset means UTC.
   */
  private static final DateTimeFormatter ISO_LENIENT_OFFSET =
      new DateTimeFormatterBuilder()
          .parseCaseInsensitive()
          .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
          .optionalStart()
          .appendOffset("+HH:MM", "Z")
          .optionalEnd()
          .optionalStart()
          .appendOffset("+HHMM", "Z")
          .optionalEnd()
          .toFormatter();

  /** Longer than any ISO timestamp with nanoseconds and offset; spares the parser huge strings. */
  private static final int MAX_ISO_LENGTH = 40;

  private Timestamps() {}

  /** Unix seconds from an integral number or a string of digits (WhatsApp sends strings). */
  static long unixSeconds(JsonNode n) {
    if (n == null) {
      return 0;
    }
    if (n.isIntegralNumber()) {
      return n.canConvertToLong() ? plausible(n.longValue()) : 0;
    }
    return n.isTextual() ? plausible(parseLong(n.textValue())) : 0;
  }

  /** Unix seconds from a Unix-milliseconds number or string (Messenger). */
  static long unixMillisToSeconds(JsonNode n) {
    if (n == null) {
      return 0;
    }
    long ms = n.isIntegralNumber() && n.canConvertToLong() ? n.longValue() : 0;
    return plausible(Math.floorDiv(n.isTextual() ? parseLong(n.textValue()) : ms, 1000L));
  }

  /** Unix seconds from an ISO-8601 date-time (see {@link #ISO_LENIENT_OFFSET}). */
  static long isoToSeconds(String s) {
    if (s == null || s.isEmpty() || s.length() > MAX_ISO_LENGTH) {
      return 0;
    }
    try {
      TemporalAccessor t = ISO_LENIENT_OFFSET.parse(s.trim());
      ZoneOffset offset =
          t.isSupported(ChronoField.OFFSET_SECONDS) ? ZoneOffset.from(t) : ZoneOffset.UTC;
      return plausible(OffsetDateTime.of(LocalDateTime.from(t), offset).toEpochSecond());
    } catch (DateTimeException e) {
      return 0;
    }
  }

  /** Unix seconds from a number, a string of digits, or an ISO-8601 string. */
  static long anySeconds(JsonNode n) {
    if (n != null && n.isTextual()) {
      long v = parseLong(n.textValue());
      return v != 0 ? v : isoToSeconds(n.textValue());
    }
    return unixSeconds(n);
  }

  /** The time, or 0 when it is before 1970 or after 9999. */
  private static long plausible(long seconds) {
    return seconds > 0 && seconds <= MAX_SECONDS ? seconds : 0;
  }

  private static long parseLong(String s) {
    if (s == null || s.isEmpty() || s.length() > 19) {
      return 0;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return 0;
      }
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return 0; // 19 digits above Long.MAX_VALUE
    }
  }
}
