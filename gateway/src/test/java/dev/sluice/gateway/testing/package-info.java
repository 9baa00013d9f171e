/**
 * Test fixtures: where the shared backends are, and private Redis servers and Redis Clusters
 * started as child processes.
 *
 * <p>Invariants: every process a fixture starts listens on 127.0.0.1 only, persists nothing, lives
 * in its own temporary directory, and dies when the fixture is closed or, as a backstop, when the
 * JVM exits. Fixtures never touch the shared Redis or PostgreSQL; they only tell tests where those
 * are and whether they answer.
 */
package dev.sluice.gateway.testing;
