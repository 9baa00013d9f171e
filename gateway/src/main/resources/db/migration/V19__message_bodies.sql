-- What each message carried, sealed with its tenant's data key (AES-256-GCM, bound to the message
-- id), so a database dump shows no text and a deleted tenant's texts cannot be opened at all.
-- Partitioned by month of the message's creation like the history (V18): retention drops a month
-- of bodies once every tenant's body retention has passed it, long before the same month's history.
CREATE TABLE message_bodies (
    message_id          uuid NOT NULL,
    tenant_id           text NOT NULL,
    message_created_at  timestamptz NOT NULL,
    sealed              bytea NOT NULL,
    PRIMARY KEY (message_id, message_created_at)
) PARTITION BY RANGE (message_created_at);
CREATE INDEX message_bodies_tenant_created ON message_bodies (tenant_id, message_created_at);
CREATE TABLE message_bodies_default PARTITION OF message_bodies DEFAULT;

-- The months the history has.
DO $$
DECLARE
    part record;
    month date;
BEGIN
    FOR part IN
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'messages'::regclass AND c.relname ~ '^messages_[0-9]{6}$'
    LOOP
        month := to_date(substring(part.relname FROM 10), 'YYYYMM');
        EXECUTE format('CREATE TABLE %I PARTITION OF message_bodies FOR VALUES FROM (%L) TO (%L)',
                       'message_bodies_' || to_char(month, 'YYYYMM'),
                       to_char(month, 'YYYY-MM-DD') || ' 00:00:00+00',
                       to_char(month + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00');
    END LOOP;
END $$;
