package dev.sluice.gateway.connector.smpp.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SmsTextTest {

  @Test
  void gsmBasicAndExtensionCharactersEncodeUnpacked() {
    // 3GPP TS 23.038 §6.2.1: '@' is 0x00, 'é' 0x05, '€' is ESC 0x65, '{' ESC 0x28.
    byte[] octets = SmsText.encodeGsm("@é€{A");

    assertThat(HexFormat.of().formatHex(octets)).isEqualTo("00051b651b2841");
    assertThat(SmsText.decodeGsm(octets, 0, octets.length)).isEqualTo("@é€{A");
  }

  @Test
  void everyGsmCharacterRoundTrips() {
    String all =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
            + "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà\f^{}\\[~]|€";
    byte[] octets = SmsText.encodeGsm(all);

    assertThat(SmsText.fitsGsm(all)).isTrue();
    assertThat(SmsText.decodeGsm(octets, 0, octets.length)).isEqualTo(all);
  }

  @Test
  void aCharacterOutsideGsmChoosesUcs2() {
    assertThat(SmsText.fitsGsm("Привет")).isFalse();
    assertThat(SmsText.split("Привет", 1).dataCoding()).isEqualTo(SmsText.DC_UCS2);
    assertThat(SmsText.split("Hello", 1).dataCoding()).isEqualTo(SmsText.DC_DEFAULT);
  }

  @Test
  void oneHundredSixtySeptetsFitOnePartAndOneMoreSplits() {
    assertThat(SmsText.split("a".repeat(160), 7).parts()).hasSize(1);
    // 159 + one extension character = 161 septets: two parts.
    SmsText.Split split = SmsText.split("a".repeat(159) + "€", 7);

    assertThat(split.parts()).hasSize(2);
    assertThat(split.parts().get(0)).hasSize(6 + 153);
    assertThat(Arrays.copyOf(split.parts().get(0), 6)).containsExactly(5, 0, 3, 7, 2, 1);
    assertThat(Arrays.copyOf(split.parts().get(1), 6)).containsExactly(5, 0, 3, 7, 2, 2);
  }

  @Test
  void threeHundredSixGsmSeptetsMakeTwoPartsAndOneMoreThree() {
    assertThat(SmsText.split("b".repeat(306), 1).parts()).hasSize(2);
    assertThat(SmsText.split("b".repeat(307), 1).parts()).hasSize(3);
  }

  @Test
  void anEscapePairIsNeverCutAtAPartBoundary() {
    // 152 plain septets, then '€' (2 septets) would end at 154: it moves whole to part 2.
    SmsText.Split split = SmsText.split("c".repeat(152) + "€" + "d".repeat(20), 1);

    byte[] first = split.parts().get(0);
    assertThat(first).hasSize(6 + 152);
    assertThat(first[first.length - 1]).isEqualTo((byte) 'c');
    byte[] second = split.parts().get(1);
    assertThat(second[6]).isEqualTo((byte) 0x1B);
    assertThat(second[7]).isEqualTo((byte) 0x65);
  }

  @Test
  void seventyUcs2UnitsFitOnePartAndSixtySevenMakeAPart() {
    assertThat(SmsText.split("ж".repeat(70), 1).parts()).hasSize(1);
    SmsText.Split split = SmsText.split("ж".repeat(71), 1);

    assertThat(split.parts()).hasSize(2);
    assertThat(split.parts().get(0)).hasSize(6 + 67 * 2);
    assertThat(split.parts().get(1)).hasSize(6 + 4 * 2);
  }

  @Test
  void anEmojiSurrogatePairIsNeverCut() {
    // 66 units, then an emoji (2 units) would end at 68: it goes whole into part 2.
    String text = "ж".repeat(66) + "😀" + "ж".repeat(10);
    SmsText.Split split = SmsText.split(text, 1);

    assertThat(split.parts()).hasSize(2);
    assertThat(split.parts().get(0)).hasSize(6 + 66 * 2);
    String second =
        new String(
            split.parts().get(1), 6, split.parts().get(1).length - 6, StandardCharsets.UTF_16BE);
    assertThat(second).startsWith("😀");
    assertThat(SmsText.decode(8, SmsText.encodeUcs2(text), 0)).isEqualTo(text);
  }

  @Test
  void moreThan255PartsAreRefused() {
    assertThatThrownBy(() -> SmsText.split("e".repeat(153 * 255 + 1), 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anUnknownExtensionSeptetReadsAsItsBasicCharacter() {
    assertThat(SmsText.decodeGsm(new byte[] {0x1B, 0x41}, 0, 2)).isEqualTo("A");
  }
}
