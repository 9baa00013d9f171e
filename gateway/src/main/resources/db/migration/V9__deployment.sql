-- The identity of the deployment this database belongs to: one row, made once. A gateway stamps
-- its Redis namespace (redis.keyPrefix) with it at start and refuses a namespace stamped with
-- another, so two deployments sharing a Redis never take each other's work. It is data, not the
-- server's identity, so it moves with the database through a dump and restore or an upgrade.
CREATE TABLE deployment (
    one         boolean PRIMARY KEY DEFAULT true CHECK (one),
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO deployment DEFAULT VALUES;
