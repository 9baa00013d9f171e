/** Load-test kit: provider simulator, load scenarios and the bare baseline server. */
package dev.sluice.loadtest;
