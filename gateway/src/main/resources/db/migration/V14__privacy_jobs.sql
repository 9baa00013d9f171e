-- Erasure and export by phone number (or a provider's user id), run in the background by one
-- instance at a time. A job never holds the person's address in clear: subject_hash is its full
-- keyed hash (PhoneHasher.indexHash), subject the address sealed with the tenant's data key under
-- the context 'privacy-job:<id>', dropped (NULL) when the job finishes. See docs/privacy.md,
-- "Erasure, export and Meta's deletion callback".

-- One row per data-deletion callback from Meta: its confirmation code is shown to the person, and
-- GET /privacy/deletions/{code} reads the erasures it started (one per tenant with a channel on
-- the app; possibly none).
CREATE TABLE privacy_deletion_requests (
    code          text PRIMARY KEY,
    meta_app_id   text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE privacy_jobs (
    id                 uuid PRIMARY KEY,
    tenant_id          text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind               text NOT NULL CHECK (kind IN ('erasure', 'export')),
    requested_by       text NOT NULL CHECK (requested_by IN ('tenant', 'operator', 'meta')),
    subject_hash       bytea NOT NULL,
    subject            bytea,
    status             text NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'running', 'completed', 'failed')),
    deadline           timestamptz NOT NULL,
    -- What was removed (erasure) or listed (export), per store: {"inbound": 3, "messages": 4, ...}.
    -- Written after every step, so a job taken over after a crash keeps the counts of the steps
    -- its first run finished.
    removed            jsonb NOT NULL DEFAULT '{}',
    error              text,
    -- Exports: the JSON document sealed with the tenant's data key under 'privacy-export:<id>',
    -- readable once until result_expires_at; cleared when it is downloaded or expires.
    result             bytea,
    result_expires_at  timestamptz,
    downloaded_at      timestamptz,
    confirmation_code  text REFERENCES privacy_deletion_requests (code),
    -- Runs: a job is due at due_at and taken by one instance at a time under a lease; a lease that
    -- ran out (its instance died) lets another instance take the job and run it from the start.
    attempts           integer NOT NULL DEFAULT 0,
    due_at             timestamptz NOT NULL DEFAULT now(),
    lease_owner        text,
    lease_until        timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    started_at         timestamptz,
    finished_at        timestamptz
);
CREATE INDEX privacy_jobs_due ON privacy_jobs (due_at) WHERE status IN ('pending', 'running');
CREATE INDEX privacy_jobs_tenant ON privacy_jobs (tenant_id, created_at);
CREATE INDEX privacy_jobs_code ON privacy_jobs (confirmation_code)
    WHERE confirmation_code IS NOT NULL;
CREATE INDEX privacy_jobs_results ON privacy_jobs (result_expires_at) WHERE result IS NOT NULL;
