package dev.sluice.gateway.health;

import io.vertx.core.Future;

/** One readiness check of a backend the gateway cannot work without. */
public interface BackendCheck {
  /** Short name shown in the readiness body, e.g. {@code redis}. */
  String name();

  /** Completes when the backend answered; fails otherwise. The caller applies the deadline. */
  Future<?> check();
}
