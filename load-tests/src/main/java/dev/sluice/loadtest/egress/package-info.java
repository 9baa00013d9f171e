/**
 * The egress scenarios: outbound messages sent through Sluice's tenant API ({@code POST
 * /v1/messages}) or through Kannel's {@code sendsms} interface ({@link EgressLoad}), and the status
 * drain that follows every accepted message to its final status through the pull API ({@link
 * StatusDrain}, {@link StatusMatcher}). Every message carries a unique text {@code lt-<tag>-<seq>},
 * so the provider simulator's per-text count proves each accepted message was sent exactly once.
 */
package dev.sluice.loadtest.egress;
