/**
 * Infobip SMS connector (send API v3). Each channel has its own base URL; delivery reports come
 * back to the gateway authenticated by the channel's webhook secret in the notify URL.
 */
package dev.sluice.gateway.connector.infobip;
