/**
 * Webhook authenticity: one verifier per provider scheme, each a stateless, thread-safe final class
 * that turns a request's credentials into a {@link dev.sluice.gateway.core.signing.Verdict}.
 *
 * <ul>
 *   <li>{@code MetaSignatureVerifier}: WhatsApp, Messenger, Instagram ({@code
 *       X-Hub-Signature-256}).
 *   <li>{@code TelegramSecretVerifier}: {@code X-Telegram-Bot-Api-Secret-Token}.
 *   <li>{@code TwilioSignatureVerifier}: {@code X-Twilio-Signature}, form and JSON bodies.
 *   <li>{@code InfobipAuthVerifier}: shared secret in {@code Authorization} (Infobip does not
 *       sign).
 *   <li>{@code StandardWebhookVerifier}: Standard Webhooks / Svix, inbound and outbound signing.
 *   <li>{@code IpAllowList}: per-channel source address restriction.
 * </ul>
 *
 * <p>Invariants:
 *
 * <ul>
 *   <li>Signatures are computed over the raw body bytes as received; nothing here parses JSON, and
 *       callers parse nothing before a {@code VALID} verdict.
 *   <li>Expected rejections are verdicts, never exceptions. Exceptions mean a programming or
 *       configuration error (an empty secret, a {@code null} argument) and are documented per
 *       method; their messages never quote secrets or bodies.
 *   <li>Every comparison of secret-derived bytes is constant-time ({@link
 *       java.security.MessageDigest#isEqual}); variable-length secrets are hashed first so that not
 *       even their length shows in the timing.
 *   <li>No blocking (no DNS: {@code IpAllowList} parses literals itself), no I/O and no logging:
 *       this package never sees a logger, so it cannot leak a secret or a body into one.
 * </ul>
 */
package dev.sluice.gateway.core.signing;
