/**
 * Sluice gateway. {@link dev.sluice.gateway.Main} loads the configuration and {@link
 * dev.sluice.gateway.Gateway} is the one composition root: everything is built there with plain
 * constructors, no container and no static singletons.
 */
package dev.sluice.gateway;
