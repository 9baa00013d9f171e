/**
 * The provider simulator: a fake of the WhatsApp Cloud API, Telegram Bot API, Twilio and Infobip
 * send endpoints that enforces the providers' published limits, injects latency, errors and
 * outages, sends signed status webhooks back, and counts every accepted send so a run can prove
 * that nothing was lost or sent twice. Everything runs on one event loop, so its buckets and
 * counters need no locks.
 */
package dev.sluice.loadtest.simulator;
