package dev.sluice.gateway.core;

import java.util.regex.Pattern;

/**
 * The reference to our message id that a connector hands a provider with each send, and that the
 * provider echoes in its status webhooks (WhatsApp {@code biz_opaque_callback_data}, Infobip {@code
 * callbackData}, a query parameter of Twilio's {@code StatusCallback} URL). It lets a provider
 * status event name our message at once, without a lookup. Only a value in exactly this form is
 * read back, so references a tenant set when sending around the gateway are ignored.
 */
public final class MessageRef {
  /** The Twilio status-callback query parameter that carries the bare id. */
  public static final String TWILIO_PARAM = "sluiceMessageId";

  private static final String PREFIX = "sluice:";
  private static final Pattern UUID =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  private MessageRef() {}

  /** The reference of our message {@code id}. */
  public static String of(String id) {
    return PREFIX + id;
  }

  /** The message id in a reference, or {@code null} when {@code value} is not one of ours. */
  public static String messageId(String value) {
    if (value == null || !value.startsWith(PREFIX)) {
      return null;
    }
    return bareId(value.substring(PREFIX.length()));
  }

  /** {@code value} when it is a message id (a lowercase UUID), else {@code null}. */
  public static String bareId(String value) {
    return value != null && UUID.matcher(value).matches() ? value : null;
  }
}
