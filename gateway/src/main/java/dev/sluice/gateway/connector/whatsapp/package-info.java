/**
 * WhatsApp Cloud API connector. Meta returns rate limits with HTTP 400, so outcomes follow {@code
 * error.code} ({@code WhatsAppErrors}); the pair rate limit (131056) carries no wait, the
 * dispatcher's own backoff paces that recipient.
 */
package dev.sluice.gateway.connector.whatsapp;
