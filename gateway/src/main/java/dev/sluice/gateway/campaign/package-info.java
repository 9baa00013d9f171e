/**
 * Bulk campaigns: the API ({@code CampaignRoutes}), the audience (a CSV read as a stream, every row
 * checked and stored in PostgreSQL), the message template (a text with {@code {{variable}}}
 * placeholders rendered per row), and the runner that expands a campaign into ordinary outbound
 * messages a step at a time, exactly once per row, within its rate cap and its share of the queue.
 */
package dev.sluice.gateway.campaign;
