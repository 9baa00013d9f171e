package dev.sluice.gateway.connector;

import java.util.Objects;
import java.util.Set;

/** What a message carries. Connectors answer PERMANENT for the kinds their provider cannot send. */
public sealed interface MessageContent
    permits MessageContent.Text, MessageContent.Template, MessageContent.Media {

  /** Free text. */
  record Text(String body) implements MessageContent {
    public Text {
      Objects.requireNonNull(body, "body");
    }
  }

  /**
   * A pre-approved template (WhatsApp).
   *
   * @param language the template's language code, e.g. {@code en_US}
   * @param componentsJson the template components as JSON array text, or {@code null} for none
   */
  record Template(String name, String language, String componentsJson) implements MessageContent {
    public Template {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(language, "language");
    }
  }

  /**
   * An attachment, by public link or by an id the provider already holds; exactly one of the two.
   *
   * @param kind {@code image}, {@code document}, {@code audio} or {@code video}
   * @param caption may be {@code null}
   * @param filename shown to the recipient for documents; may be {@code null}
   */
  record Media(String kind, String link, String mediaId, String caption, String filename)
      implements MessageContent {
    /** The kinds every connector understands. */
    public static final Set<String> KINDS = Set.of("image", "document", "audio", "video");

    public Media {
      if (!KINDS.contains(kind)) {
        throw new IllegalArgumentException("media kind must be one of " + KINDS + ", got " + kind);
      }
      if ((link == null) == (mediaId == null)) {
        throw new IllegalArgumentException("exactly one of link and mediaId must be given");
      }
    }
  }
}
