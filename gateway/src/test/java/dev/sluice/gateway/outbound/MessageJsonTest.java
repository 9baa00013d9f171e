package dev.sluice.gateway.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.outbound.MessageJson.Fields;
import dev.sluice.gateway.outbound.MessageJson.RawArray;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MessageJsonTest {

  @Test
  void stringsNullsAndNestedObjectsAreKeptInOrder() {
    Fields f =
        MessageJson.message(
            json("{'to':'+4915112345678','clientRef':null,'template':{'name':'t'},'text':'hi'}"));

    assertThat(f.names()).containsExactly("to", "clientRef", "template", "text");
    assertThat(f.get("to")).isEqualTo("+4915112345678");
    assertThat(f.has("clientRef")).isTrue();
    assertThat(f.get("clientRef")).isNull();
    assertThat(((Fields) f.get("template")).get("name")).isEqualTo("t");
    assertThat(f.has("media")).isFalse();
  }

  @Test
  void aDuplicateFieldKeepsItsLastValueAndFirstPosition() {
    Fields f = MessageJson.message(json("{'to':1,'text':'a','to':'+49151','to':'+1415'}"));

    assertThat(f.names()).containsExactly("to", "text");
    assertThat(f.get("to")).isEqualTo("+1415");
  }

  @Test
  void valuesOfTheWrongTypeAreMarkedNotConverted() {
    Fields f =
        MessageJson.message(
            json(
                "{'a':1,'b':true,'c':[1,2],'d':1e999999,'e':123456789012345678901234567890,"
                    + "'f':-0.0}"));

    for (String name : new String[] {"a", "b", "c", "d", "e", "f"}) {
      assertThat(f.get(name)).as(name).isSameAs(MessageJson.OTHER);
    }
  }

  @Test
  void nestedJunkBelowAFieldObjectIsSkipped() {
    Fields f =
        MessageJson.message(
            json("{'media':{'kind':{'x':[{'y':{'z':[[[]]]}}]},'link':'https://a'},'text':'t'}"));

    Fields media = (Fields) f.get("media");
    assertThat(media.get("kind")).isSameAs(MessageJson.OTHER);
    assertThat(media.get("link")).isEqualTo("https://a");
    assertThat(f.get("text")).isEqualTo("t");
  }

  @Test
  void templateComponentsAreKeptAsCompactJsonText() {
    Fields f =
        MessageJson.message(
            json(
                "{'template':{'components':[ {'type':'body', 'parameters':[{'text':'\\u00e9'}]} ]}}"));

    Object components = ((Fields) f.get("template")).get("components");
    assertThat(components)
        .isEqualTo(new RawArray("[{\"type\":\"body\",\"parameters\":[{\"text\":\"é\"}]}]"));
  }

  @Test
  void commentsAreAllowedLikeVertxJson() {
    Fields f = MessageJson.message(json("{'to':'x' /* note */, // line\n 'text':'y'}"));

    assertThat(f.get("text")).isEqualTo("y");
  }

  @Test
  void anythingButOneJsonObjectIs400() {
    String[] bodies = {
      "",
      " ",
      "null",
      "42",
      "\"s\"",
      "[]",
      "{",
      "{'a':1}x",
      "{'a':1}{}",
      "{'a':1}]",
      "{'a':}",
      "{'a':1,}",
      "{a:1}",
      "{'a':NaN}",
      "{'a':'\\x'}",
      "{'a':'\u0001'}",
      "{'a':01}"
    };
    for (String body : bodies) {
      assertThat(vertxReadsAnObject(json(body))).as("Vert.x reads %s", body).isFalse();
      assertThatThrownBy(() -> MessageJson.message(json(body)))
          .as(body)
          .isInstanceOfSatisfying(GatewayException.class, MessageJsonTest::assertBadRequest);
      assertThatThrownBy(() -> MessageJson.batch(json(body)))
          .as(body)
          .isInstanceOfSatisfying(GatewayException.class, MessageJsonTest::assertBadRequest);
    }
    assertThatThrownBy(() -> MessageJson.message(Buffer.buffer("{\"a\":'single'}")))
        .isInstanceOfSatisfying(GatewayException.class, MessageJsonTest::assertBadRequest);
  }

  /** What the router-era code accepted: Vert.x's own decoding, which must agree with ours. */
  private static boolean vertxReadsAnObject(Buffer body) {
    try {
      return Json.decodeValue(body) instanceof JsonObject;
    } catch (DecodeException e) {
      return false;
    }
  }

  @Test
  void invalidUtf8Is400() {
    byte[] body = "{\"text\":\"ab\"}".getBytes(StandardCharsets.UTF_8);
    body[10] = (byte) 0xC3; // a lead byte followed by an ASCII byte
    assertThatThrownBy(() -> MessageJson.message(Buffer.buffer(body)))
        .isInstanceOfSatisfying(GatewayException.class, MessageJsonTest::assertBadRequest);
  }

  @Test
  void nestingBeyondJacksonsLimitIs400() {
    String deep = "{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
    assertThatThrownBy(() -> MessageJson.message(json(deep)))
        .isInstanceOfSatisfying(GatewayException.class, MessageJsonTest::assertBadRequest);
  }

  @Test
  void aHugeNumberIsSkippedWithinJacksonsLimitAnd400Beyond() {
    assertThat(MessageJson.message(json("{'n':" + "9".repeat(900) + "}")).get("n"))
        .isSameAs(MessageJson.OTHER);
    assertThatThrownBy(() -> MessageJson.message(json("{'n':" + "9".repeat(5000) + "}")))
        .isInstanceOfSatisfying(GatewayException.class, MessageJsonTest::assertBadRequest);
  }

  @Test
  void aBatchKeepsItsItemsAndTopLevelNames() {
    MessageJson.Batch b =
        MessageJson.batch(json("{'x':1,'messages':[{'to':'a'},7,null,[],{'to':'b'}],'x':2}"));

    assertThat(b.fieldNames()).containsExactly("x", "messages");
    assertThat(b.messages()).hasSize(5);
    assertThat(((Fields) b.messages().get(0)).get("to")).isEqualTo("a");
    assertThat(b.messages().subList(1, 4)).allMatch(o -> o == MessageJson.OTHER);
    assertThat(((Fields) b.messages().get(4)).get("to")).isEqualTo("b");
  }

  @Test
  void aBatchWhoseLastMessagesIsNotAnArrayHasNone() {
    assertThat(MessageJson.batch(json("{'messages':[{}],'messages':{}}")).hasMessages()).isFalse();
    assertThat(MessageJson.batch(json("{'messages':null}")).hasMessages()).isFalse();
    assertThat(MessageJson.batch(json("{'messages':{},'messages':[]}")).messages()).isEmpty();
  }

  @Test
  void aBodyInSeveralNettyComponentsIsReadToo() {
    Buffer body = Buffer.buffer();
    body.appendString("{\"to\":\"+1");
    body.appendString("415\"}");

    assertThat(MessageJson.message(body).get("to")).isEqualTo("+1415");
  }

  private static void assertBadRequest(GatewayException e) {
    assertThat(e.kind()).isEqualTo(GatewayException.Kind.MALFORMED);
    assertThat(e.code()).isEqualTo("bad_request");
    assertThat(e.getMessage()).isEqualTo("the body must be a JSON object");
  }

  @Test
  void aWindowKeepsItsDaysAndReadsAsAJsonObjectForSendWindow() {
    Fields f =
        MessageJson.message(
            json(
                "{'window':{'from':'08:00','to':'21:00','days':['mon','fri'],"
                    + "'timezone':null,'extra':{'x':1},'n':5}}"));

    Fields window = (Fields) f.get("window");
    assertThat(window.get("days")).isEqualTo(new RawArray("[\"mon\",\"fri\"]"));
    JsonObject o = window.json();
    assertThat(o.getString("from")).isEqualTo("08:00");
    assertThat(o.getJsonArray("days")).containsExactly("mon", "fri");
    assertThat(o.containsKey("timezone")).isTrue();
    assertThat(o.getValue("timezone")).isNull();
    // Values no window field takes are a JSON type SendWindow refuses, never dropped.
    assertThat(o.getValue("extra")).isEqualTo(false);
    assertThat(o.getValue("n")).isEqualTo(false);
  }

  private static Buffer json(String singleQuoted) {
    return Buffer.buffer(singleQuoted.replace('\'', '"'));
  }
}
