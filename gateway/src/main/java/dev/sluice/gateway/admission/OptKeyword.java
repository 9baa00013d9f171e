package dev.sluice.gateway.admission;

import java.util.Objects;

/**
 * What an inbound SMS's body says to its conversation's opt-out, once checked against its tenant's
 * keyword lists: an event that carries one is stored with {@code "optOut": true|false}, and its
 * opt-out or opt-in is applied in the same atomic call that admits it.
 *
 * @param keyword the keyword the body was (as the tenant's list spells it), or {@code null} for
 *     {@link Action#NONE}
 */
public record OptKeyword(Action action, String keyword) {
  /** What the body asks. */
  public enum Action {
    /** No keyword: nothing changes, {@code "optOut": false}. */
    NONE,
    /** An opt-out keyword: the conversation is opted out, {@code "optOut": true}. */
    OPT_OUT,
    /** An opt-in keyword: the conversation's opt-out is lifted, {@code "optOut": false}. */
    OPT_IN
  }

  /** A body that is no keyword. */
  public static final OptKeyword NONE = new OptKeyword(Action.NONE, null);

  public OptKeyword {
    Objects.requireNonNull(action, "action");
    if ((action == Action.NONE) != (keyword == null)) {
      throw new IllegalArgumentException("a keyword goes with OPT_OUT and OPT_IN only");
    }
  }

  public static OptKeyword optOut(String keyword) {
    return new OptKeyword(Action.OPT_OUT, keyword);
  }

  public static OptKeyword optIn(String keyword) {
    return new OptKeyword(Action.OPT_IN, keyword);
  }

  /** The value of the event's {@code optOut} field. */
  public boolean optOut() {
    return action == Action.OPT_OUT;
  }
}
