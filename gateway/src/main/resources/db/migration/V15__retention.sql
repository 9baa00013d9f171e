-- Retention per tenant. A NULL column means the configured default (retention.*): a tenant
-- follows later changes of the default until the operator sets its own value.
CREATE TABLE tenant_retention (
    tenant_id     text PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    history_days  integer CHECK (history_days BETWEEN 1 AND 36500),
    body_days     integer CHECK (body_days BETWEEN 1 AND 36500),
    payload_days  integer CHECK (payload_days BETWEEN 1 AND 36500),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- When a finished campaign's variables (the personal part of its messages' texts) were removed
-- by retention, so a sweep passes over it next time.
ALTER TABLE campaigns ADD COLUMN bodies_expired_at timestamptz;
CREATE INDEX campaigns_finished ON campaigns (tenant_id, finished_at)
    WHERE finished_at IS NOT NULL;
