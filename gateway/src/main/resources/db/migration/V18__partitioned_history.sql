-- Message history partitioned by month of the message's creation, so that retention removes a
-- month of history by dropping its partitions instead of deleting row by row
-- (ledger.HistoryPartitions creates the months ahead and drops the expired ones). The
-- unpartitioned tables' rows are moved over.
--
-- messages: the primary key now includes created_at (a partitioned table's unique keys must hold
-- its partition key); every event about a message carries its creation time, so the ledger's
-- upsert still finds the one row. message_events gains message_created_at, the creation time of
-- its message, and is partitioned by it: a message and its history leave together.
-- A default partition takes rows outside the months that exist (far past or future clocks);
-- retention deletes those row by row.

ALTER TABLE messages RENAME TO messages_unpartitioned;
ALTER INDEX messages_pkey RENAME TO messages_unpartitioned_pkey;
ALTER INDEX messages_tenant_created RENAME TO messages_unpartitioned_tenant_created;
ALTER INDEX messages_provider_id RENAME TO messages_unpartitioned_provider_id;
ALTER INDEX messages_campaign RENAME TO messages_unpartitioned_campaign;
ALTER INDEX messages_campaign_updated RENAME TO messages_unpartitioned_campaign_updated;
ALTER INDEX messages_tenant_recipient RENAME TO messages_unpartitioned_tenant_recipient;

CREATE TABLE messages (
    id                   uuid NOT NULL,
    tenant_id            text NOT NULL,
    channel_id           text NOT NULL,
    provider             text NOT NULL,
    recipient            text NOT NULL,
    lane                 text NOT NULL,
    client_ref           text,
    status               text NOT NULL,
    status_rank          smallint NOT NULL,
    provider_message_id  text,
    error_code           text,
    error_message        text,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    campaign_id          uuid,
    recipient_hash       text,
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE INDEX messages_tenant_created ON messages (tenant_id, created_at);
CREATE INDEX messages_provider_id ON messages (provider, provider_message_id)
    WHERE provider_message_id IS NOT NULL;
CREATE INDEX messages_campaign ON messages (campaign_id, status) WHERE campaign_id IS NOT NULL;
CREATE INDEX messages_campaign_updated ON messages (campaign_id, updated_at)
    WHERE campaign_id IS NOT NULL;
CREATE INDEX messages_tenant_recipient ON messages (tenant_id, recipient_hash)
    WHERE recipient_hash IS NOT NULL;
CREATE TABLE messages_default PARTITION OF messages DEFAULT;

ALTER TABLE message_events RENAME TO message_events_unpartitioned;
ALTER INDEX message_events_once RENAME TO message_events_unpartitioned_once;

CREATE TABLE message_events (
    message_id           uuid NOT NULL,
    status               text NOT NULL,
    at                   timestamptz NOT NULL,
    source               text NOT NULL,
    provider_message_id  text,
    error_code           text,
    error_message        text,
    message_created_at   timestamptz NOT NULL
) PARTITION BY RANGE (message_created_at);
CREATE UNIQUE INDEX message_events_once
    ON message_events (message_id, status, source, message_created_at);
CREATE TABLE message_events_default PARTITION OF message_events DEFAULT;

-- The months from the oldest message (at most 24 months back; older rows stay in the default
-- partitions) to three months ahead.
DO $$
DECLARE
    month date;
    last date := (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '3 months')::date;
    bound_from text;
    bound_to text;
BEGIN
    SELECT greatest(
               date_trunc('month', coalesce(min(created_at), now()) AT TIME ZONE 'UTC'),
               date_trunc('month', now() AT TIME ZONE 'UTC') - interval '24 months')::date
      INTO month FROM messages_unpartitioned;
    WHILE month <= last LOOP
        bound_from := to_char(month, 'YYYY-MM-DD') || ' 00:00:00+00';
        bound_to := to_char(month + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00';
        EXECUTE format('CREATE TABLE %I PARTITION OF messages FOR VALUES FROM (%L) TO (%L)',
                       'messages_' || to_char(month, 'YYYYMM'), bound_from, bound_to);
        EXECUTE format('CREATE TABLE %I PARTITION OF message_events FOR VALUES FROM (%L) TO (%L)',
                       'message_events_' || to_char(month, 'YYYYMM'), bound_from, bound_to);
        month := (month + interval '1 month')::date;
    END LOOP;
END $$;

INSERT INTO messages SELECT * FROM messages_unpartitioned;
INSERT INTO message_events
SELECT e.message_id, e.status, e.at, e.source, e.provider_message_id, e.error_code,
       e.error_message, coalesce(m.created_at, e.at)
FROM message_events_unpartitioned e LEFT JOIN messages_unpartitioned m ON m.id = e.message_id;

-- Providers' reports are removed by age with the months they belong to.
CREATE INDEX provider_statuses_at ON provider_statuses (at);

DROP TABLE message_events_unpartitioned;
DROP TABLE messages_unpartitioned;
