/**
 * Suppressions: the recipients a tenant must not message, per channel or on every channel. An entry
 * lives in the opt-out set of the recipient's tenant partition ({@code {t:T:P}:optout}, member
 * {@code <channel>:<hash>} or {@code *:<hash>}), with a note beside it ({@code
 * {t:T:P}:optout:notes}: source, reason, time); the send API's enqueue refuses a message whose
 * conversation or recipient is in the set, in the same atomic call. Entries come from the tenant
 * API ({@code /v1/suppressions}, one number or a CSV import), from SMS keywords (admission) and
 * from providers' opt-out errors (the dispatcher). Only the keyed hash of a number is stored, never
 * the number: an export lists hashes.
 */
package dev.sluice.gateway.suppression;
