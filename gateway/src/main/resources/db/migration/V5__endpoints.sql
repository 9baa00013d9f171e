-- Push delivery: a tenant with a row here is in push mode (its inbound queue is delivered to the
-- URL); without one it reads its queue through the pull API. The signing secrets are stored only
-- sealed with the master key, bound to 'endpoint:<tenant>': JSON {"secret": "whsec_…"} plus
-- "previous" while a rotated-out secret is still in its grace period.

CREATE TABLE endpoints (
    tenant_id             text PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    url                   text NOT NULL,
    batch_size            integer NOT NULL CHECK (batch_size BETWEEN 1 AND 100),
    secrets               bytea NOT NULL,
    previous_valid_until  timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
