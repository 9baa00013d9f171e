package dev.sluice.gateway.campaign;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.sluice.gateway.connector.MessageContent;
import dev.sluice.gateway.outbound.MessageValidator;
import dev.sluice.gateway.outbound.QueuedMessage;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A campaign's message, validated once and rendered per audience row: a text whose {@code
 * {{variable}}} placeholders name CSV columns, or a WhatsApp template whose component parameters
 * hold such placeholders (their values JSON-escaped into the components).
 */
final class CampaignMessage {
  private final QueuedMessage prototype;
  private final MessageTemplate text;
  private final MessageTemplate components;
  private final int maxText;
  private final Set<String> variables;

  /**
   * @param prototype the campaign's message as {@link MessageValidator#campaignPrototype} built it
   */
  CampaignMessage(QueuedMessage prototype) {
    this.prototype = prototype;
    this.maxText = MessageValidator.maxTextLength(prototype.provider());
    MessageContent c = prototype.content();
    this.text = c instanceof MessageContent.Text t ? MessageTemplate.parse(t.body()) : null;
    this.components =
        c instanceof MessageContent.Template t && t.componentsJson() != null
            ? MessageTemplate.parse(t.componentsJson())
            : null;
    Set<String> names = new LinkedHashSet<>();
    if (text != null) {
      names.addAll(text.variables());
    }
    if (components != null) {
      names.addAll(components.variables());
    }
    this.variables = Set.copyOf(names);
  }

  QueuedMessage prototype() {
    return prototype;
  }

  /** The columns the message uses. */
  Set<String> variables() {
    return variables;
  }

  /** The WhatsApp template's name, or {@code null} for a text. */
  String templateName() {
    return prototype.content() instanceof MessageContent.Template t ? t.name() : null;
  }

  /** The content for one row, or why the row cannot be sent. */
  record Rendered(MessageContent content, String problem) {}

  Rendered render(Map<String, String> row) {
    MessageContent c = prototype.content();
    if (text != null) {
      MessageTemplate.Rendered r = text.render(row);
      if (!r.ok()) {
        return missing(r);
      }
      if (r.text().length() > maxText) {
        return new Rendered(
            null,
            "the text is "
                + r.text().length()
                + " characters once rendered; this channel takes at most "
                + maxText);
      }
      return new Rendered(new MessageContent.Text(r.text()), null);
    }
    if (components != null) {
      MessageContent.Template t = (MessageContent.Template) c;
      MessageTemplate.Rendered r = components.render(jsonEscaped(row));
      if (!r.ok()) {
        return missing(r);
      }
      return new Rendered(new MessageContent.Template(t.name(), t.language(), r.text()), null);
    }
    return new Rendered(c, null);
  }

  private static Rendered missing(MessageTemplate.Rendered r) {
    return new Rendered(null, "no value for " + String.join(", ", r.missing()));
  }

  /** The row's values as they go inside a JSON string. */
  private Map<String, String> jsonEscaped(Map<String, String> row) {
    Map<String, String> out = new java.util.HashMap<>();
    for (String name : components.variables()) {
      String v = row.get(name);
      if (v != null) {
        out.put(name, new String(JsonStringEncoder.getInstance().quoteAsString(v)));
      }
    }
    return out;
  }
}
