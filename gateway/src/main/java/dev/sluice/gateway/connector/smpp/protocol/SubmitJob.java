package dev.sluice.gateway.connector.smpp.protocol;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;

/**
 * One submit: its parts, sent one after another on one connection, and the ids of those accepted.
 * Touched only on the context of the connection that holds it.
 */
final class SubmitJob {
  final SmppAddress destination;
  final SmsText.Split split;
  final List<String> messageIds = new ArrayList<>();
  private final Promise<SubmitResult> result = Promise.promise();

  /** When the submit was made (System.nanoTime). */
  final long createdAt = System.nanoTime();

  /** The index of the next part to send. */
  int next;

  /** Whether a part of this submit was answered with a throttle status. */
  boolean throttled;

  /** When the first throttled answer of this submit came (System.nanoTime). */
  long throttledSince;

  /** The last throttle status answered (0x58 or 0x14). */
  int throttleStatus;

  SubmitJob(SmppAddress destination, SmsText.Split split) {
    this.destination = destination;
    this.split = split;
  }

  Future<SubmitResult> future() {
    return result.future();
  }

  boolean done() {
    return result.future().isComplete();
  }

  void ok() {
    result.tryComplete(
        new SubmitResult(
            SubmitResult.Status.OK, messageIds, 0, split.parts().size() + " part(s) accepted"));
  }

  void fail(SubmitResult.Status status, int commandStatus, String detail) {
    String where = split.parts().size() > 1 ? "part " + (next + 1) + ": " : "";
    result.tryComplete(new SubmitResult(status, messageIds, commandStatus, where + detail));
  }
}
