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

