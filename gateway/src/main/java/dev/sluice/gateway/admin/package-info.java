/**
 * The operator API under {@code /admin}: tenants, API keys, Meta apps and channels, behind the
 * admin bearer token. It validates requests, hands changes to {@link
 * dev.sluice.gateway.tenant.TenantRepository} (one transaction each, with its audit trail entry)
 * and refreshes the local directory before answering; {@code /admin/audit} pages and verifies the
 * trail. Responses never carry credentials, and logs name only ids.
 */
package dev.sluice.gateway.admin;
