-- Message history. Written only by the ledger writer, in batches; read by GET /v1/messages/{id}.
-- status_rank orders statuses (accepted 0 < queued 1 < sent 2 < delivered 3 < read 4; failed and
-- cancelled 5, terminal): a message's status only ever moves to a higher rank.

CREATE TABLE messages (
    id                   uuid PRIMARY KEY,
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
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_tenant_created ON messages (tenant_id, created_at);
CREATE INDEX messages_provider_id ON messages (provider, provider_message_id)
    WHERE provider_message_id IS NOT NULL;

-- Our own status changes (accepted by the API, sent or failed by the dispatcher).
CREATE TABLE message_events (
    message_id           uuid NOT NULL,
    status               text NOT NULL,
    at                   timestamptz NOT NULL,
    source               text NOT NULL,
    provider_message_id  text,
    error_code           text,
    error_message        text
);
CREATE INDEX message_events_message ON message_events (message_id, at);

-- Providers' status reports, kept by provider message id: a report may arrive before the send
-- call that returns that id has been recorded, and is applied as soon as it can be matched.
CREATE TABLE provider_statuses (
    provider             text NOT NULL,
    provider_message_id  text NOT NULL,
    status               text NOT NULL,
    status_rank          smallint NOT NULL,
    at                   timestamptz NOT NULL,
    error_code           text,
    PRIMARY KEY (provider, provider_message_id, status)
);
