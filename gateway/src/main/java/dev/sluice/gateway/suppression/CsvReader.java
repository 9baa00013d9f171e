package dev.sluice.gateway.suppression;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A CSV reader fed with a body's chunks as they arrive (RFC 4180: fields separated by commas,
 * records by CRLF or LF, a field in double quotes may hold commas, line breaks and doubled quotes),
 * handing each record over as soon as it ends, so a body of any length is read with the memory of
 * one record. It works on bytes: the delimiters are ASCII and never part of a multi-byte UTF-8
 * character, so a chunk boundary inside a character is harmless; each field is decoded once it
 * ends. A UTF-8 byte-order mark at the start is skipped. Lenient where spreadsheets are: a quote
 * inside an unquoted field, or after a closing quote, is kept as a character.
 *
 * <p>Bounded: a field longer than {@code maxFieldBytes} or a record of more than {@code maxFields}
 * fields is cut there and handed over with a problem, never grown. Not thread-safe: one per
 * request.
 */
final class CsvReader {
  /** Receives each record. */
  interface Sink {
    /**
     * @param number the record's number in the body, the first being 1 (a quoted line break does
     *     not start a new one)
     * @param fields its fields, decoded as UTF-8
     * @param problem why the record could not be read whole ({@code null} when it was)
     */
    void record(long number, List<String> fields, String problem);
  }

  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  private enum State {
    /** At the start of a field. */
    FIELD_START,
    /** In a field not in quotes. */
    UNQUOTED,
    /** In a quoted field. */
    QUOTED,
    /** Just after a quote inside a quoted field: its end, or the first of a doubled quote. */
    QUOTE_IN_QUOTED
  }

  private final Sink sink;
  private final int maxFieldBytes;
  private final int maxFields;
  private byte[] field = new byte[64];
  private int length;
  private final List<String> fields = new ArrayList<>();
  private State state = State.FIELD_START;
  private String problem;
  private long number;
  private long offset;
  private boolean afterCr;
  private boolean inRecord;

  CsvReader(Sink sink, int maxFieldBytes, int maxFields) {
    this.sink = sink;
    this.maxFieldBytes = maxFieldBytes;
    this.maxFields = maxFields;
  }

  /** Reads a chunk; the records it completes are handed over before this returns. */
  void feed(byte[] chunk) {
    for (byte b : chunk) {
      if (offset < BOM.length && b == BOM[(int) offset] && !inRecord && length == offset) {
        offset++;
        if (offset == BOM.length) {
          length = 0; // the whole mark seen: drop it
        } else {
          append(b); // kept until it is known to be the mark
        }
        continue;
      }
      if (offset < BOM.length) {
        offset = BOM.length; // not (or no longer) a mark: what was held back is data
      }
      read(b);
    }
  }

  private void read(byte b) {
    if (afterCr) {
      afterCr = false;
      if (b == '\n' && state != State.QUOTED) {
        return; // the LF of a CRLF
      }
    }
    inRecord = true;
    switch (state) {
      case FIELD_START -> {
        if (b == '"') {
          state = State.QUOTED;
        } else if (!delimiter(b)) {
          append(b);
          state = State.UNQUOTED;
        }
      }
      case UNQUOTED -> {
        if (!delimiter(b)) {
          append(b);
        }
      }
      case QUOTED -> {
        if (b == '"') {
          state = State.QUOTE_IN_QUOTED;
        } else {
          append(b);
        }
      }
      case QUOTE_IN_QUOTED -> {
        if (b == '"') {
          append(b); // a doubled quote
          state = State.QUOTED;
        } else if (!delimiter(b)) {
          append(b);
          state = State.UNQUOTED;
        }
      }
    }
  }

  /** Ends the field or record at a comma or line break; whether {@code b} was one. */
  private boolean delimiter(byte b) {
    if (b == ',') {
      endField();
      state = State.FIELD_START;
      return true;
    }
    if (b == '\n' || b == '\r') {
      afterCr = b == '\r';
      endField();
      endRecord();
      return true;
    }
    return false;
  }

  /** Hands over the last record, if the body did not end with a line break. */
  void finish() {
    if (state == State.QUOTED) {
      problem = "a quoted field is not closed";
    }
    if (inRecord || length > 0) {
      endField();
      endRecord();
    }
  }

  private void append(byte b) {
    if (length == maxFieldBytes) {
      problem = "a field is longer than " + maxFieldBytes + " bytes";
      return;
    }
    if (length == field.length) {
      field = Arrays.copyOf(field, Math.min(maxFieldBytes, 2 * field.length));
    }
    field[length++] = b;
  }

  private void endField() {
    if (fields.size() == maxFields) {
      problem = "a record has more than " + maxFields + " fields";
    } else {
      fields.add(new String(field, 0, length, StandardCharsets.UTF_8));
    }
    length = 0;
  }

  private void endRecord() {
    number++;
    List<String> record = List.copyOf(fields);
    String why = problem;
    fields.clear();
    problem = null;
    state = State.FIELD_START;
    inRecord = false;
    sink.record(number, record, why);
  }
}
