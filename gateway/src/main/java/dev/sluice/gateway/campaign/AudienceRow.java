package dev.sluice.gateway.campaign;

import dev.sluice.gateway.core.GatewayException;
import dev.sluice.gateway.outbound.MessageValidator;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * One row of a campaign's audience, checked: a valid row keeps its number in E.164 and the values
 * of the columns the message uses; a rejected one keeps what was given and why it is refused.
 *
 * @param row the row's number, 1 for the first row after the header
 * @param phone the number in E.164, or (rejected) the text given, cut to 64 characters
 * @param vars the values of the message's variables (valid rows), else {@code null}
 * @param reason why it is rejected, or {@code null}
 */
record AudienceRow(int row, String phone, JsonObject vars, String reason) {

  boolean rejected() {
    return reason != null;
  }

  /** Checks one row: its number (E.164, validated with libphonenumber) and its rendering. */
  static AudienceRow check(int row, Map<String, String> cells, CampaignMessage message) {
    String raw = cells.get("phone");
    String given = raw == null ? "" : raw.strip();
    if (given.isEmpty()) {
      return new AudienceRow(row, "", null, "phone is empty");
    }
    String phone;
    try {
      phone = MessageValidator.e164(given.startsWith("00") ? "+" + given.substring(2) : given);
    } catch (GatewayException e) {
      String why = e.getMessage().replaceFirst("^to ", "phone ");
      return new AudienceRow(row, cut(given), null, why);
    }
    CampaignMessage.Rendered rendered = message.render(cells);
    if (rendered.problem() != null) {
      return new AudienceRow(row, phone, null, rendered.problem());
    }
    JsonObject vars = new JsonObject();
    for (String name : message.variables()) {
      vars.put(name, cells.get(name));
    }
    return new AudienceRow(row, phone, vars, null);
  }

  private static String cut(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64);
  }
}
