package dev.sluice.gateway.suppression;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvReaderTest {
  /** One record as the sink saw it: number, fields, problem. */
  private record Seen(long number, List<String> fields, String problem) {}

  private static List<Seen> read(int chunkSize, String body) {
    return read(chunkSize, body.getBytes(StandardCharsets.UTF_8), 64, 8);
  }

  private static List<Seen> read(int chunkSize, byte[] body, int maxFieldBytes, int maxFields) {
    List<Seen> out = new ArrayList<>();
    CsvReader csv =
        new CsvReader((n, f, p) -> out.add(new Seen(n, f, p)), maxFieldBytes, maxFields);
    for (int i = 0; i < body.length; i += chunkSize) {
      csv.feed(Arrays.copyOfRange(body, i, Math.min(body.length, i + chunkSize)));
    }
    csv.finish();
    return out;
  }

  private static Seen ok(long n, String... fields) {
    return new Seen(n, List.of(fields), null);
  }

  @Test
  void recordsAreReadTheSameWhereverTheChunksBreak() {
    String body =
        "phone,channel,reason\r\n"
            + "+14155552671,wa-1,\"said \"\"stop\"\", twice\"\n"
            + "\"+4915112345678\",,\"two\r\nlines\"\r\n"
            + "+33612345678,tw-1,Grüße 😀\n";
    List<Seen> expected =
        List.of(
            ok(1, "phone", "channel", "reason"),
            ok(2, "+14155552671", "wa-1", "said \"stop\", twice"),
            ok(3, "+4915112345678", "", "two\r\nlines"),
            ok(4, "+33612345678", "tw-1", "Grüße 😀"));
    for (int chunk = 1; chunk <= body.length() + 1; chunk++) {
      assertThat(read(chunk, body)).as("chunks of %d bytes", chunk).isEqualTo(expected);
    }
  }

  @Test
  void aLastRecordWithoutALineBreakAndABlankLineAreRecordsToo() {
    assertThat(read(3, "a,b\n\nc,d")).containsExactly(ok(1, "a", "b"), ok(2, ""), ok(3, "c", "d"));
    assertThat(read(3, "a\r\rb\r")).containsExactly(ok(1, "a"), ok(2, ""), ok(3, "b"));
    assertThat(read(3, "")).isEmpty();
  }

  @Test
  void aByteOrderMarkIsSkippedAndBytesThatOnlyBeginLikeOneAreKept() {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, 'p', ',', 'x', '\n'};
    for (int chunk = 1; chunk <= bom.length; chunk++) {
      assertThat(read(chunk, bom, 64, 8)).containsExactly(ok(1, "p", "x"));
    }
    byte[] notBom = {(byte) 0xEF, (byte) 0xBB, 'p', '\n'};
    // Two bytes that begin a mark but are none: kept (no character, so decoded as U+FFFD).
    assertThat(read(1, notBom, 64, 8)).containsExactly(ok(1, "\uFFFDp"));
  }

  @Test
  void strayQuotesAreKeptAsCharacters() {
    assertThat(read(2, "ab\"c,\"d\"e\n")).containsExactly(ok(1, "ab\"c", "de"));
  }

  @Test
  void anUnclosedQuoteATooLongFieldAndTooManyFieldsAreProblemsNotGrowth() {
    assertThat(read(4, "a,\"b,c\nd"))
        .containsExactly(new Seen(1, List.of("a", "b,c\nd"), "a quoted field is not closed"));

    List<Seen> tooLong = read(5, ("x".repeat(100) + ",y\nok\n").getBytes(), 10, 8);
    assertThat(tooLong.get(0).problem()).isEqualTo("a field is longer than 10 bytes");
    assertThat(tooLong.get(0).fields()).containsExactly("x".repeat(10), "y");
    assertThat(tooLong.get(1)).isEqualTo(ok(2, "ok"));

    List<Seen> wide = read(5, "1,2,3,4\nok\n".getBytes(), 10, 3);
    assertThat(wide.get(0).problem()).isEqualTo("a record has more than 3 fields");
    assertThat(wide.get(1)).isEqualTo(ok(2, "ok"));
  }
}
