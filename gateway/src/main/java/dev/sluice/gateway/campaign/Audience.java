package dev.sluice.gateway.campaign;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A campaign's audience, read a batch of rows at a time: from a CSV file (UTF-8, a header row with
 * a {@code phone} column, every other column a variable) or from the {@code audience} array of a
 * JSON request. A CSV is read through Jackson's streaming CSV parser, so a file of a million rows
 * is never held in memory; its reads block (a file), so they run on a worker thread.
 */
abstract class Audience implements AutoCloseable {
  /** The most rows a campaign's audience may have. */
  static final int MAX_ROWS = 1_000_000;

  /** The next rows (at most {@code n}), each as column → value; empty at the end. */
  abstract List<Map<String, String>> next(int n);

  @Override
  public void close() {}

  /** Refused as a whole: nothing of the campaign is kept. */
  static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message, null, false, false);
    }
  }

  /** The rows of a JSON {@code audience} array of objects. */
  static Audience of(JsonArray rows) {
    for (int i = 0; i < rows.size(); i++) {
      if (!(rows.getValue(i) instanceof JsonObject)) {
        throw new Refused("audience[" + i + "] must be an object with a phone field");
      }
    }
    if (rows.size() > MAX_ROWS) {
      throw new Refused("audience has more than " + MAX_ROWS + " rows");
    }
    Iterator<Object> it = rows.iterator();
    return new Audience() {
      @Override
      List<Map<String, String>> next(int n) {
        List<Map<String, String>> out = new ArrayList<>(Math.min(n, rows.size()));
        while (out.size() < n && it.hasNext()) {
          JsonObject o = (JsonObject) it.next();
          Map<String, String> cells = new HashMap<>();
          o.forEach(
              e -> cells.put(e.getKey(), e.getValue() == null ? null : e.getValue().toString()));
          out.add(cells);
        }
        return out;
      }
    };
  }

  /**
   * The rows of a CSV file. Blocking: open and read it on a worker thread.
   *
   * @throws Refused when the file has no header with a {@code phone} column, or is not CSV
   */
  static Audience csv(Path file) {
    CsvMapper mapper = new CsvMapper();
    mapper.enable(CsvParser.Feature.TRIM_SPACES);
    mapper.enable(CsvParser.Feature.IGNORE_TRAILING_UNMAPPABLE);
    mapper.enable(CsvParser.Feature.SKIP_EMPTY_LINES);
    try {
      MappingIterator<Map<String, String>> it =
          mapper
              .readerForMapOf(String.class)
              .with(CsvSchema.emptySchema().withHeader())
              .readValues(file.toFile());
      return new CsvAudience(it);
    } catch (IOException | RuntimeException e) {
      throw new Refused("the audience is not a CSV file with a header row: " + e.getMessage());
    }
  }

  private static final class CsvAudience extends Audience {
    private final MappingIterator<Map<String, String>> rows;
    private int read;
    private boolean headerChecked;

    CsvAudience(MappingIterator<Map<String, String>> rows) {
      this.rows = rows;
    }

    @Override
    List<Map<String, String>> next(int n) {
      List<Map<String, String>> out = new ArrayList<>(n);
      try {
        while (out.size() < n && rows.hasNextValue()) {
          Map<String, String> cells = normalised(rows.nextValue());
          if (!headerChecked) {
            checkHeader();
          }
          if (++read > MAX_ROWS) {
            throw new Refused("the audience has more than " + MAX_ROWS + " rows");
          }
          out.add(cells);
        }
        if (!headerChecked && out.isEmpty()) {
          checkHeader();
        }
      } catch (IOException | RuntimeException e) {
        if (e instanceof Refused r) {
          throw r;
        }
        throw new Refused(
            "the audience CSV cannot be read after row " + read + ": " + firstLine(e.getMessage()));
      }
      return out;
    }

    private void checkHeader() {
      headerChecked = true;
      CsvSchema schema = (CsvSchema) rows.getParserSchema();
      boolean phone = false;
      for (CsvSchema.Column c : schema) {
        phone |= c.getName().strip().equalsIgnoreCase("phone");
      }
      if (!phone) {
        throw new Refused("the audience CSV needs a header row with a phone column");
      }
    }

    /** Column names trimmed, {@code phone} in any case as {@code phone}. */
    private static Map<String, String> normalised(Map<String, String> cells) {
      Map<String, String> out = new HashMap<>(cells.size() * 2);
      cells.forEach(
          (k, v) -> {
            String name = k.strip();
            out.put(name.toLowerCase(Locale.ROOT).equals("phone") ? "phone" : name, v);
          });
      return out;
    }

    @Override
    public void close() {
      try {
        rows.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "malformed";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
