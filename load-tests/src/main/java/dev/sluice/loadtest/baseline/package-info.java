/**
 * The bare baselines, the ceilings Sluice is measured against.
 *
 * <p>Ingress ({@code BareIngress*}): the least a server can do to take a signed Meta webhook
 * durably — read the body, check {@code X-Hub-Signature-256}, pull out the wamid and phone numbers,
 * and make the same Redis writes as Sluice's {@code sluice_admit}, batched per event-loop turn into
 * one function call per partition. No tenant directory, metrics or validation: the ceiling Sluice's
 * ingress is measured against.
 *
 * <p>Egress ({@code BareEgress*}): {@code POST /v1/messages} → one pipelined {@code XADD} per
 * message, per event-loop turn, to one stream → 202; a consumer per event loop reads 64 at a time
 * with {@code XREADGROUP}, POSTs each to the provider and acknowledges and deletes them in one
 * batch. No tenants, pacing, ledger or status events.
 */
package dev.sluice.loadtest.baseline;
