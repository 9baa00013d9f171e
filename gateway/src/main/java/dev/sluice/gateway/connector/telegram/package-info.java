/**
 * Telegram Bot API connector. The bot token is in every request URL, so no URL or client exception
 * text leaves this package.
 */
package dev.sluice.gateway.connector.telegram;
