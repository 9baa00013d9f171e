/**
 * The bare ingress baseline: the least a server can do to take a signed Meta webhook durably — read
 * the body, check {@code X-Hub-Signature-256}, pull out the wamid and phone numbers, and make the
 * same Redis writes as Sluice's {@code sluice_admit}, batched per event-loop turn into one function
 * call per partition. No tenant directory, metrics or validation: the ceiling Sluice's ingress is
 * measured against.
 */
package dev.sluice.loadtest.baseline;
