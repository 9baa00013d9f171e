-- Which status changes of a tenant's outbound messages are put on its event queue (pull or push):
-- all, final (delivered, read, failed, cancelled), failures (failed, cancelled) or none. The ledger
-- (GET /v1/messages/{id}) records every status whatever the setting.
ALTER TABLE tenants ADD COLUMN outbound_events text NOT NULL DEFAULT 'all'
    CHECK (outbound_events IN ('all', 'final', 'failures', 'none'));
