-- Envelope encryption. Each tenant has its own data key (AES-256), stored only wrapped (sealed)
-- by the master key, bound to 'tenant-key:<tenant>'; the tenant's data at rest is sealed with it.
-- Deleting this row is crypto-shredding: what was sealed with the key can no longer be opened,
-- even with the master key. A master-key rotation re-wraps these rows and leaves the data alone.
CREATE TABLE tenant_keys (
    tenant_id   text PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    wrapped     bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Keys of the whole deployment, wrapped by the master key and bound to 'deployment-key:<name>'.
-- 'phone-index' keys the phone-number hashes (Redis partitions and key names, PostgreSQL
-- look-ups): stored rather than derived, so it outlives master-key rotations. Its first value is
-- the one gateways derived from the master key before, so upgrading changes no hash.
CREATE TABLE deployment_keys (
    name        text PRIMARY KEY,
    wrapped     bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- A tenant being deleted: its data key is gone, every directory has dropped it, and its data is
-- being purged in the background; the row goes last.
ALTER TABLE tenants ADD COLUMN deleted_at timestamptz;
CREATE INDEX tenants_deleted ON tenants (deleted_at) WHERE deleted_at IS NOT NULL;
