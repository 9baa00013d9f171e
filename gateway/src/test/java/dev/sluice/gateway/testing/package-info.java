/**
 * Test fixtures: where the shared backends are, and private Redis servers and Redis Clusters
 * started as child processes.
 *
 * <p>Invariants: every process a fixture starts listens on 127.0.0.1 only, persists nothing, lives
 * in its own temporary directory, and dies when the fixture is closed or, as a backstop, when the
 * JVM exits. Fixtures never touch the shared Redis or PostgreSQL; they only tell tests where those
 * are and whether they answer. In the cluster pass of the tests ({@code
 * SLUICE_TEST_REDIS_CLUSTER=1}) the shared Redis is itself such a fixture: one three-master cluster
 * per JVM, started by {@link dev.sluice.gateway.testing.TestBackends} at its first use.
 */
package dev.sluice.gateway.testing;
