package dev.sluice.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.core.GatewayException.Kind;
import dev.sluice.gateway.http.JsonBody.Errors;
import io.vertx.core.buffer.Buffer;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class JsonBodyTest {

  @Test
  void aBodyThatIsNotAJsonObjectIsABadRequest() {
    for (String body : new String[] {"", "{nope", "[]", "42", "null", "\"x\""}) {
      for (Errors errors : Errors.values()) {
        GatewayException e = refusal(() -> JsonBody.read(Buffer.buffer(body), "{\"ids\"}", errors));
        assertThat(e.kind()).as(body).isEqualTo(Kind.MALFORMED);
        assertThat(e.code()).as(body).isEqualTo("bad_request");
      }
    }
    assertThat(refusal(() -> JsonBody.read(null)).getMessage())
        .isEqualTo("the body must be a JSON object");
    assertThat(refusal(() -> JsonBody.read(Buffer.buffer("[1]"), "{\"ids\"}", Errors.ALL_400)))
        .hasMessage("the body must be {\"ids\"}");
    assertThat(refusal(() -> JsonBody.read(Buffer.buffer("{"))))
        .hasMessage("the body is not valid JSON");
  }

  @Test
  void typedGettersReadPresentValuesAndNullForAbsentOnes() {
    JsonBody body =
        body(
            "{'s':'x','n':7,'l':['a','b'],'o':{'t':'y'},'at':'2026-05-01T12:00:00+02:00',"
                + "'nil':null}",
            Errors.TYPE_400_VALUE_422);

    assertThat(body.string("s")).isEqualTo("x");
    assertThat(body.requiredInt("n", 1, 10)).isEqualTo(7);
    assertThat(body.optionalInt("n", 1, 10)).isEqualTo(7);
    assertThat(body.strings("l")).containsExactly("a", "b");
    assertThat(body.object("o").string("t")).isEqualTo("y");
    assertThat(body.instant("at")).isEqualTo(Instant.parse("2026-05-01T10:00:00Z"));
    assertThat(body.string("nil")).isNull();
    assertThat(body.string("absent")).isNull();
    assertThat(body.optionalInt("absent", 1, 10)).isNull();
    assertThat(body.strings("absent")).isNull();
    assertThat(body.object("absent")).isNull();
    assertThat(body.objectOrEmpty("absent").names()).isEmpty();
    assertThat(body.has("nil")).isTrue();
    assertThat(body.has("absent")).isFalse();
    assertThat(body.names()).containsExactly("s", "n", "l", "o", "at", "nil");
  }

  @Test
  void aWrongTypeIsABadRequestAndAnUnacceptableValueIsInvalidNamingTheField() {
    JsonBody body =
        body(
            "{'s':1,'n':2.5,'big':12345678901234567890,'l':['a',1],'o':[],'at':'yesterday',"
                + "'limits':{'burst':-1,'colour':'red'}}",
            Errors.TYPE_400_VALUE_422);

    assertRefused(b -> b.string("s"), body, Kind.MALFORMED, "bad_request", "s must be a string");
    assertRefused(
        b -> b.requiredInt("n", 1, 10),
        body,
        Kind.MALFORMED,
        "bad_request",
        "n must be an integer");
    assertRefused(
        b -> b.strings("l"), body, Kind.MALFORMED, "bad_request", "l must be an array of strings");
    assertRefused(b -> b.object("o"), body, Kind.MALFORMED, "bad_request", "o must be an object");
    assertRefused(
        b -> b.requiredInt("big", 1, 10), body, Kind.INVALID, "invalid", "big must be 1..10");
    assertRefused(
        b -> b.requiredInt("absent", 1, 10), body, Kind.INVALID, "invalid", "absent is required");
    assertRefused(
        b -> b.instant("at"),
        body,
        Kind.INVALID,
        "invalid",
        "at must be an ISO-8601 time with an offset, e.g. 2026-05-01T10:00:00Z");
    JsonBody limits = body.object("limits");
    assertRefused(
        b -> b.requiredInt("burst", 0, 5),
        limits,
        Kind.INVALID,
        "invalid",
        "limits.burst must be 0..5");
    assertRefused(
        b -> b.allowOnly(Set.of("burst")),
        limits,
        Kind.INVALID,
        "invalid",
        "limits.colour is not a known field");
    assertThat(JsonBody.invalid("x is wrong").kind()).isEqualTo(Kind.INVALID);
  }

  @Test
  void theTenantEventApiRefusesEveryBadValueWith400Invalid() {
    JsonBody body = body("{'s':1,'n':'5','ids':'x','at':42,'extra':true}", Errors.ALL_400);

    List<Consumer<JsonBody>> reads =
        List.of(
            b -> b.string("s"),
            b -> b.optionalInt("n", 1, 100),
            b -> b.requiredInt("absent", 1, 100),
            b -> b.strings("ids"),
            b -> b.instant("at"),
            b -> b.instant("absent"),
            b -> b.allowOnly(Set.of("s", "n", "ids", "at")));
    for (Consumer<JsonBody> read : reads) {
      GatewayException e = refusal(() -> read.accept(body));
      assertThat(e.kind()).as(e.getMessage()).isEqualTo(Kind.MALFORMED);
      assertThat(e.code()).as(e.getMessage()).isEqualTo("invalid");
    }
    assertThat(Errors.ALL_400.invalid("from must not be after to").kind())
        .isEqualTo(Kind.MALFORMED);
  }

  private static JsonBody body(String singleQuoted, Errors errors) {
    return JsonBody.read(Buffer.buffer(singleQuoted.replace('\'', '"')), "an object", errors);
  }

  private static void assertRefused(
      Consumer<JsonBody> read, JsonBody body, Kind kind, String code, String message) {
    GatewayException e = refusal(() -> read.accept(body));
    assertThat(e.kind()).as(message).isEqualTo(kind);
    assertThat(e.code()).as(message).isEqualTo(code);
    assertThat(e).hasMessage(message);
  }

  private static GatewayException refusal(Runnable read) {
    GatewayException e = catchThrowableOfType(GatewayException.class, read::run);
    assertThat(e).as("refused").isNotNull();
    return e;
  }
}
