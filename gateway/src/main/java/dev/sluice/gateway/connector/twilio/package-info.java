/**
 * Twilio Messaging connector: form-encoded sends, outcomes by Twilio error code ({@code
 * TwilioErrors}), 21610 (recipient unsubscribed) as opt-out.
 */
package dev.sluice.gateway.connector.twilio;
