/**
 * Bulk campaigns (being built): so far the send window (the recipient-local quiet hours a campaign,
 * and a single alert, is sent within) and the message template (a text with {@code {{variable}}}
 * placeholders rendered per audience row, a row lacking a value rejected with the names).
 */
package dev.sluice.gateway.campaign;
