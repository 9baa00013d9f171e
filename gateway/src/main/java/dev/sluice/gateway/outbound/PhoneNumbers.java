package dev.sluice.gateway.outbound;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;

/**
 * Phone numbers as the gateway takes them from tenants: E.164 with its {@code +}, checked and
 * normalised with libphonenumber, so that {@code +49 151 1234-5678} and {@code +4915112345678} are
 * one recipient (one keyed hash, one partition). Thread-safe.
 */
public final class PhoneNumbers {
  private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();

  private PhoneNumbers() {}

  /** Why a text is not a phone number the gateway takes (no stack trace: a routine refusal). */
  public static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Refused(String problem) {
      super(problem, null, false, false);
    }
  }

  /**
   * The number in E.164 ({@code +4915112345678}).
   *
   * @throws Refused with what is wrong, worded to follow the field's name ("must be an E.164 phone
   *     number starting with +", "is not a valid phone number", "is not a phone number")
   */
  public static String e164(String raw) {
    if (raw == null || !raw.startsWith("+")) {
      throw new Refused("must be an E.164 phone number starting with +");
    }
    try {
      PhoneNumber n = PHONES.parse(raw, null);
      if (!PHONES.isValidNumber(n)) {
        throw new Refused("is not a valid phone number");
      }
      // What format(n, E164) builds, without its formatting machinery.
      return "+" + n.getCountryCode() + PHONES.getNationalSignificantNumber(n);
    } catch (NumberParseException e) {
      throw new Refused("is not a phone number");
    }
  }

  /**
   * What the gateway hashes for a number: its E.164 digits without the {@code +}, as ingress keys
   * an end user and the send API a recipient.
   */
  public static String digits(String e164) {
    return e164.substring(1);
  }
}
