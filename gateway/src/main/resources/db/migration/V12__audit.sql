-- The audit trail: operator and privacy actions (a key issued or revoked, a channel, endpoint or
-- Meta app changed, an erasure, an export, a tenant deleted), one row each, appended by
-- privacy.AuditLog and never changed afterwards. No row holds a phone number, a message text, a
-- key or a secret: subject is an id (a key's display prefix, a channel id, a job id) and details
-- a small JSON object of settings.
--
-- Each row is chained to the one before it: hash = SHA-256 over prev_hash and a length-prefixed
-- encoding of (seq, at in ms, actor, action, tenant_id, subject, details as canonical JSON), and
-- prev_hash is the previous row's hash (32 zero bytes for seq 1). seq has no gaps: it is the
-- previous seq + 1, taken while the appender holds the trail's advisory lock (an identity column
-- would leave a gap for every rolled-back transaction, and a gap could no longer tell a deleted
-- row). GET /admin/audit/verify recomputes the chain.
--
-- Append-only, in two layers. REVOKE takes the right to change rows from roles that are not the
-- owner (it does not bind the owner nor a superuser, and the gateway usually connects as one of
-- them). The triggers refuse UPDATE, DELETE and TRUNCATE from everyone, the gateway included.
--
-- What neither layer stops: a role with DDL rights on the table (its owner, a superuser) can
-- ALTER TABLE audit_log DISABLE TRIGGER ALL, drop the triggers, SET session_replication_role =
-- replica (triggers do not fire), or drop and recreate the table. The chain is what tells: a row
-- changed or removed in the middle no longer matches its hash or its successor's prev_hash, and
-- verify names its seq. It cannot tell rows cut off the end, nor a chain recomputed from the
-- changed row onwards (SHA-256 needs no key): for those, compare with a seq and hash noted
-- outside the database (verify answers the last hash).
--
-- tenant_id is not a foreign key on purpose: the trail outlives a deleted tenant.

CREATE TABLE audit_log (
    seq        bigint PRIMARY KEY CHECK (seq > 0),
    at         timestamptz NOT NULL,
    actor      text NOT NULL,
    action     text NOT NULL,
    tenant_id  text,
    subject    text,
    details    jsonb NOT NULL DEFAULT '{}',
    prev_hash  bytea NOT NULL CHECK (length(prev_hash) = 32),
    hash       bytea NOT NULL CHECK (length(hash) = 32)
);
-- GET /admin/audit?tenant=: one tenant's entries in order.
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, seq) WHERE tenant_id IS NOT NULL;

REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;

CREATE FUNCTION audit_log_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- Statement triggers: a change is refused even when it would match no row.
CREATE TRIGGER audit_log_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
