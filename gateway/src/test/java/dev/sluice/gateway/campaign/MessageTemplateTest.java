package dev.sluice.gateway.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MessageTemplateTest {

  @Test
  void placeholdersAreFilledFromTheRowEachTimeTheyAppear() {
    MessageTemplate t =
        MessageTemplate.parse("Hi {{name}}, your code is {{ code }}. Bye {{name}}!");

    assertThat(t.variables()).containsExactlyInAnyOrder("name", "code");
    MessageTemplate.Rendered r = t.render(Map.of("name", "Ana", "code", "4711", "city", "Porto"));
    assertThat(r.ok()).isTrue();
    assertThat(r.text()).isEqualTo("Hi Ana, your code is 4711. Bye Ana!");
  }

  @Test
  void aRowWithoutAValueDoesNotRenderAndSaysWhichAreMissing() {
    MessageTemplate t = MessageTemplate.parse("{{greeting}} {{name}}, {{greeting}} again");

    MessageTemplate.Rendered r = t.render(Map.of("name", " "));
    assertThat(r.ok()).isFalse();
    assertThat(r.text()).isNull();
    assertThat(r.missing()).containsExactly("greeting", "name");
  }

  @Test
  void bracesThatAreNotAPlaceholderStayText() {
    MessageTemplate t = MessageTemplate.parse("{not} {{ }} {{a-b}} {{x}");

    assertThat(t.variables()).isEmpty();
    assertThat(t.render(Map.of()).text()).isEqualTo("{not} {{ }} {{a-b}} {{x}");
  }

  @Test
  void aValueIsInsertedAsItIsNeverReadAsAPlaceholder() {
    MessageTemplate t = MessageTemplate.parse("Dear {{name}}");

    assertThat(t.render(Map.of("name", "{{name}} $1 \\")).text()).isEqualTo("Dear {{name}} $1 \\");
  }
}
