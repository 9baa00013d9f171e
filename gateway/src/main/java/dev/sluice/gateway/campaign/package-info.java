/**
 * Bulk campaigns (issue 12, being built): so far the send window, the recipient-local quiet hours a
 * campaign (and a single alert) is sent within.
 */
package dev.sluice.gateway.campaign;
