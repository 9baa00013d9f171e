-- Bulk campaigns. A campaign's audience is stored row by row as it is read (a CSV of a million
-- rows is never held in memory); each row is sent at most once, as the message whose id derives
-- from (campaign, row, attempt). See docs/campaigns.md.

CREATE TABLE campaigns (
    id                 uuid PRIMARY KEY,
    tenant_id          text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name               text NOT NULL,
    channel_id         text NOT NULL,
    message            jsonb NOT NULL,
    template_name      text,
    lane               text NOT NULL,
    send_at            timestamptz,
    send_window        jsonb,
    rate_per_second    integer,
    status             text NOT NULL,
    status_reason      text,
    total              integer NOT NULL DEFAULT 0,
    rejected           integer NOT NULL DEFAULT 0,
    duplicates         integer NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    started_at         timestamptz,
    finished_at        timestamptz,
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX campaigns_tenant_created ON campaigns (tenant_id, created_at DESC);
CREATE INDEX campaigns_template ON campaigns (template_name)
    WHERE template_name IS NOT NULL AND status IN ('scheduled', 'running', 'paused');

-- state: pending (waits to be queued, not before due_at), queued (message_id is in the outbound
-- queue or beyond), rejected (never sent; reason), duplicate (the number appears on an earlier
-- row), suppressed (the recipient opted out), skipped (no send window within two weeks).
CREATE TABLE campaign_rows (
    campaign_id   uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    row_no        integer NOT NULL,
    phone         text NOT NULL,
    vars          jsonb,
    state         text NOT NULL,
    reason        text,
    due_at        timestamptz,
    attempt       integer NOT NULL DEFAULT 0,
    message_id    uuid,
    PRIMARY KEY (campaign_id, row_no)
);
-- What the expansion reads: the due pending rows, oldest due first.
CREATE INDEX campaign_rows_pending ON campaign_rows (campaign_id, due_at, row_no)
    WHERE state = 'pending';
-- Duplicate numbers: the first row with a number is the one sent.
CREATE UNIQUE INDEX campaign_rows_phone ON campaign_rows (campaign_id, phone)
    WHERE state IN ('pending', 'queued', 'suppressed', 'skipped');

ALTER TABLE messages ADD COLUMN campaign_id uuid;
CREATE INDEX messages_campaign ON messages (campaign_id, status)
    WHERE campaign_id IS NOT NULL;
CREATE INDEX messages_campaign_updated ON messages (campaign_id, updated_at)
    WHERE campaign_id IS NOT NULL;
