-- What GET /v1/messages/{id} shows of a message the dispatcher is retrying: how many provider calls
-- asked for a retry (attempts), when the next one is due (next_attempt_at, NULL once the message
-- is sent or finished) and the last of those errors (last_error_code, last_error_message). The
-- error columns keep describing the message's current status, as before.
--
-- provider_statuses.error_message: a provider's failure report keeps its title and details beside
-- its code (WhatsApp's errors[].title and error_data.details).
--
-- Adding a column with a constant default rewrites no partition (PostgreSQL 11 and later).

ALTER TABLE messages
    ADD COLUMN attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN next_attempt_at timestamptz,
    ADD COLUMN last_error_code text,
    ADD COLUMN last_error_message text;

ALTER TABLE provider_statuses ADD COLUMN error_message text;

-- GET /v1/messages lists a tenant's messages newest first, a page at a time after the last
-- (created_at, id) seen: each filter that narrows by an indexed column leads an index that ends in
-- (created_at, id), so a page is one index range whatever its depth. They take over from the
-- indexes they extend (the retention sweep's (tenant_id, created_at), the erasure's
-- (tenant_id, recipient_hash)), so a message row costs as many index entries as before, and a
-- campaign's one more.
CREATE INDEX messages_tenant_page ON messages (tenant_id, created_at, id);
CREATE INDEX messages_tenant_recipient_page ON messages (tenant_id, recipient_hash, created_at, id)
    WHERE recipient_hash IS NOT NULL;
CREATE INDEX messages_campaign_page ON messages (campaign_id, created_at, id)
    WHERE campaign_id IS NOT NULL;
DROP INDEX messages_tenant_created;
DROP INDEX messages_tenant_recipient;
