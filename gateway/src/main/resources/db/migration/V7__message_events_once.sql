-- A message's status change from one source is recorded once. After a crash, or a dispatcher
-- whose lease lapsed, the same outcome can reach the ledger twice; the second is dropped
-- (INSERT ... ON CONFLICT DO NOTHING) instead of showing [accepted, sent, sent].
DELETE FROM message_events a USING message_events b
 WHERE a.message_id = b.message_id AND a.status = b.status AND a.source = b.source
   AND a.ctid > b.ctid;
CREATE UNIQUE INDEX message_events_once ON message_events (message_id, status, source);
-- The unique index also serves the history look-up by message id.
DROP INDEX message_events_message;
