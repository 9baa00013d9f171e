/**
 * Privacy jobs: erasure and export of one person's data by phone number (or a provider's user id),
 * and Meta's data-deletion callback. A request creates a job row ({@code privacy_jobs}) holding the
 * person only as a keyed hash and a sealed value; {@link
 * dev.sluice.gateway.privacy.jobs.PrivacyJobs} runs due jobs in the background, one instance per
 * job under a lease, each run safe to repeat from the start. An erasure removes the person's
 * entries from every Redis store of their partition, the ledger's streams and the PostgreSQL
 * history, and redacts their campaign rows; the suppression list keeps its keyed hash. An export
 * reads the same places into one sealed JSON document, downloadable once. Every PostgreSQL query of
 * the feature is in {@link dev.sluice.gateway.privacy.jobs.PrivacyRepository}, every Redis call in
 * {@link dev.sluice.gateway.privacy.jobs.ErasureStore}.
 *
 * <p>This is a package of its own, above {@code privacy}: the tenant directory, the outbound queue
 * and the suppression list depend on {@code privacy} (the credential cipher, the phone hasher), and
 * the jobs depend on them.
 */
package dev.sluice.gateway.privacy.jobs;
