package dev.sluice.gateway.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Recipient-local quiet hours, on fixed instants (the clock is the caller's). */
class SendWindowTest {
  private static final SendWindow US_FEDERAL =
      SendWindow.daily(LocalTime.of(8, 0), LocalTime.of(21, 0), Optional.empty());

  private static final String NEW_YORK = "+12125550123"; // 212: America/New_York only
  private static final String SYDNEY = "+61291234567"; // 02: Australia/Sydney
  private static final String KOLKATA = "+919876543210"; // India: one zone
  private static final String US_UNKNOWN_AREA = "+18005550123"; // toll-free: every US zone

  @Test
  void insideTheWindowAMessageGoesAtOnce() {
    Instant noonInNewYork = Instant.parse("2026-12-04T17:00:00Z"); // 12:00 EST
    assertThat(US_FEDERAL.nextSendTime(NEW_YORK, noonInNewYork)).contains(noonInNewYork);
  }

  @Test
  void atNightItWaitsForTheRecipientsMorningNotTheSendersOrUtcs() {
    Instant lateInNewYork = Instant.parse("2026-12-05T03:30:00Z"); // 22:30 EST on the 4th
    assertThat(US_FEDERAL.nextSendTime(NEW_YORK, lateInNewYork))
        .contains(Instant.parse("2026-12-05T13:00:00Z")); // 08:00 EST on the 5th

    Instant noonUtc = Instant.parse("2026-12-04T12:00:00Z"); // 23:00 AEDT in Sydney
    assertThat(US_FEDERAL.nextSendTime(SYDNEY, noonUtc))
        .contains(Instant.parse("2026-12-04T21:00:00Z")); // 08:00 AEDT on the 5th

    Instant morningUtc = Instant.parse("2026-12-04T01:00:00Z"); // 06:30 IST
    assertThat(US_FEDERAL.nextSendTime(KOLKATA, morningUtc))
        .contains(Instant.parse("2026-12-04T02:30:00Z")); // 08:00 IST
  }

  @Test
  void aNumberOfSeveralZonesWaitsUntilTheWindowIsOpenInAllOfThem() {
    // 12:00 UTC is 07:00 in New York (not yet open there) and 02:00 in Honolulu.
    Instant t = Instant.parse("2026-12-04T12:00:00Z");
    Instant next = US_FEDERAL.nextSendTime(US_UNKNOWN_AREA, t).orElseThrow();
    for (ZoneId z : US_FEDERAL.zonesOf(US_UNKNOWN_AREA)) {
      LocalTime local = next.atZone(z).toLocalTime();
      assertThat(local)
          .as("local time in %s", z)
          .isBetween(LocalTime.of(8, 0), LocalTime.of(21, 0));
    }
    assertThat(US_FEDERAL.zonesOf(US_UNKNOWN_AREA)).hasSizeGreaterThan(3);
  }

  @Test
  void zonesWithoutASharedOpeningAreRefusedNotSentLate() {
    SendWindow narrow = SendWindow.daily(LocalTime.of(9, 0), LocalTime.of(10, 0), Optional.empty());
    assertThat(narrow.nextSendTime(US_UNKNOWN_AREA, Instant.parse("2026-12-04T12:00:00Z")))
        .isEmpty();
  }

  @Test
  void weekdaysOnlySkipsTheWeekendAndANamedZoneOverridesTheRecipients() {
    SendWindow weekdays =
        new SendWindow(
            LocalTime.of(8, 0),
            LocalTime.of(20, 0),
            EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY),
            Optional.of(ZoneId.of("Europe/Berlin")));
    Instant saturdayNoonBerlin = Instant.parse("2026-12-05T11:00:00Z");
    assertThat(weekdays.nextSendTime(SYDNEY, saturdayNoonBerlin))
        .contains(Instant.parse("2026-12-07T07:00:00Z")); // Monday 08:00 CET
  }

  @Test
  void aWindowPastMidnightStaysOpenUntilItsEnd() {
    SendWindow evening =
        SendWindow.daily(LocalTime.of(22, 0), LocalTime.of(2, 0), Optional.of(ZoneId.of("UTC")));
    Instant oneAm = Instant.parse("2026-12-05T01:00:00Z");
    assertThat(evening.nextSendTime(KOLKATA, oneAm)).contains(oneAm);
    assertThat(evening.nextSendTime(KOLKATA, Instant.parse("2026-12-05T03:00:00Z")))
        .contains(Instant.parse("2026-12-05T22:00:00Z"));
  }

  @Test
  void nonsenseIsRefused() {
    assertThat(US_FEDERAL.nextSendTime("not a number", Instant.EPOCH)).isEmpty();
    assertThatThrownBy(() -> SendWindow.daily(LocalTime.NOON, LocalTime.NOON, Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
