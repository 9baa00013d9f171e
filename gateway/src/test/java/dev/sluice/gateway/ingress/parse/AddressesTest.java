package dev.sluice.gateway.ingress.parse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AddressesTest {

  @ParameterizedTest(name = "[{0}] → [{1}]")
  @CsvSource(
      value = {
        "15550783881 | +15550783881", // WhatsApp wa_id, Infobip numbers
        "+15550783881 | +15550783881",
        "+1 555-078-3881 | +15550783881", // a display number as Meta may format it
        "(555) 078.3881 9 | +55507838819",
        "whatsapp:+14155238886 | +14155238886", // Twilio's WhatsApp prefix
        "WhatsApp: 4155238886 | +4155238886",
        "12345 | 12345", // a short code is no E.164 number
        "1234567 | 1234567",
        "12345678 | +12345678", // the shortest international numbers
        "123456789012345 | +123456789012345",
        "1234567890123456 | 1234567890123456", // a page-scoped id, longer than E.164 allows
        "InfoSMS | InfoSMS", // an alphanumeric sender
        "15550783881x | 15550783881x",
        "' 4915112345678 ' | +4915112345678",
      },
      delimiter = '|')
  void phoneNumbersBecomeE164AndEverythingElseStaysAsItIs(String address, String expected) {
    assertThat(Addresses.e164(address)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource(value = {"''", "'   '", "whatsapp:"})
  void blankIsNull(String address) {
    assertThat(Addresses.e164(address)).isNull();
  }
}
