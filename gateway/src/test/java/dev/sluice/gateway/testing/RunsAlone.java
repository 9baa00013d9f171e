package dev.sluice.gateway.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * A test class whose assertions hold only with the machine to itself: it measures rates or
 * wall-clock delays (a send rate within a few percent of a cap, a message out within a second), or
 * loads the machine so much that such tests beside it would miss theirs. The test command runs the
 * other classes two at a time (each in a JVM of its own) and these afterwards, one at a time (the
 * {@value #TAG} group of the surefire executions in gateway/pom.xml).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(RunsAlone.TAG)
public @interface RunsAlone {
  /** The JUnit tag the surefire executions select on. */
  String TAG = "alone";
}
