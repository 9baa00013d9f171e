/**
 * The SMSC simulator for the SMPP benchmark (tool {@code smsc}): an SMPP 3.4 server on jsmpp, an
 * implementation independent of the gateway's own codec, that answers every submit_sm at once,
 * sends a delivery receipt for each, and counts what it saw per round (submits per destination,
 * submit times, submit → receipt-acknowledged latency) for load-tests/bench-smpp.sh.
 */
package dev.sluice.loadtest.smsc;
