package dev.sluice.gateway.ledger;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The form of ledger events in the ledger stream: one JSON array of event objects per entry, read
 * and written in one streamed pass (no object tree per event). Field names are those the stream has
 * always carried, so entries written by an older gateway still read.
 */
final class LedgerCodec {
  private static final JsonFactory JSON = new JsonFactory();

  private LedgerCodec() {}

  static byte[] encode(List<LedgerEvent> events) {
    ByteArrayBuilder out = new ByteArrayBuilder(256 * events.size());
    try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartArray();
      for (LedgerEvent e : events) {
        g.writeStartObject();
        g.writeStringField("id", e.messageId());
        g.writeStringField("tenant", e.tenantId());
        g.writeStringField("channel", e.channelId());
        g.writeStringField("provider", e.provider());
        g.writeStringField("recipient", e.recipient());
        g.writeStringField("lane", e.lane());
        g.writeStringField("clientRef", e.clientRef());
        g.writeNumberField("createdAt", e.createdAt());
        g.writeStringField("status", e.status().wireName());
        g.writeNumberField("at", e.at());
        g.writeStringField("providerMessageId", e.providerMessageId());
        g.writeStringField("errorCode", e.errorCode());
        g.writeStringField("errorMessage", e.errorMessage());
        g.writeStringField("source", e.source());
        if (e.campaignId() != null) {
          g.writeStringField("campaign", e.campaignId());
        }
        if (e.body() != null) {
          g.writeStringField("body", e.body());
        }
        if (e.attempts() > 0) {
          g.writeNumberField("attempts", e.attempts());
          g.writeNumberField("nextAttemptAt", e.nextAttemptAt());
        }
        g.writeEndObject();
      }
      g.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * @throws IllegalArgumentException when the bytes are not an array of ledger events
   */
  static List<LedgerEvent> decode(byte[] json) {
    try (JsonParser p = JSON.createParser(json)) {
      expect(p.nextToken(), JsonToken.START_ARRAY);
      List<LedgerEvent> events = new ArrayList<>();
      while (p.nextToken() == JsonToken.START_OBJECT) {
        events.add(event(p));
      }
      expect(p.currentToken(), JsonToken.END_ARRAY);
      return events;
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not a ledger entry: " + e.getClass().getSimpleName());
    }
  }

  private static LedgerEvent event(JsonParser p) throws IOException {
    String id = null;
    String tenant = null;
    String channel = null;
    String provider = null;
    String recipient = null;
    String lane = null;
    String clientRef = null;
    long createdAt = 0;
    String status = null;
    Long at = null;
    String providerMessageId = null;
    String errorCode = null;
    String errorMessage = null;
    String source = null;
    String campaign = null;
    String body = null;
    int attempts = 0;
    long nextAttemptAt = 0;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      switch (name) {
        case "id" -> id = p.getValueAsString();
        case "tenant" -> tenant = p.getValueAsString();
        case "channel" -> channel = p.getValueAsString();
        case "provider" -> provider = p.getValueAsString();
        case "recipient" -> recipient = p.getValueAsString();
        case "lane" -> lane = p.getValueAsString();
        case "clientRef" -> clientRef = p.getValueAsString();
        case "createdAt" -> createdAt = value == JsonToken.VALUE_NULL ? 0 : p.getLongValue();
        case "status" -> status = p.getValueAsString();
        case "at" -> at = p.getLongValue();
        case "providerMessageId" -> providerMessageId = p.getValueAsString();
        case "errorCode" -> errorCode = p.getValueAsString();
        case "errorMessage" -> errorMessage = p.getValueAsString();
        case "source" -> source = p.getValueAsString();
        case "campaign" -> campaign = p.getValueAsString();
        case "body" -> body = p.getValueAsString();
        case "attempts" -> attempts = p.getIntValue();
        case "nextAttemptAt" -> nextAttemptAt = p.getLongValue();
        default -> p.skipChildren();
      }
    }
    if (at == null) {
      throw new IllegalArgumentException("at is missing");
    }
    return new LedgerEvent(
        id,
        tenant,
        channel,
        provider,
        recipient,
        lane,
        clientRef,
        createdAt,
        MessageStatus.fromWireName(status).orElseThrow(),
        at,
        providerMessageId,
        errorCode,
        errorMessage,
        source,
        campaign,
        body,
        attempts,
        nextAttemptAt);
  }

  private static void expect(JsonToken actual, JsonToken expected) {
    if (actual != expected) {
      throw new IllegalArgumentException("expected " + expected + ", got " + actual);
    }
  }
}
