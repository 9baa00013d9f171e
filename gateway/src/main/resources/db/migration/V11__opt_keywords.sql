-- A tenant's SMS keywords: an inbound SMS whose whole body is one of them opts its sender out of
-- (or back into) messages on that channel. NULL = the gateway's default list (STOP, STOPALL,
-- UNSUBSCRIBE, CANCEL, END, QUIT / START, UNSTOP, YES); an empty array = no keyword at all. Kept
-- uppercase; read into the tenant directory, so ingress never queries them per event.
ALTER TABLE tenants
    ADD COLUMN opt_out_keywords text[],
    ADD COLUMN opt_in_keywords text[];
