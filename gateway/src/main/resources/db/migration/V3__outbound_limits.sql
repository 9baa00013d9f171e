-- Per-channel sending limits (limits.outbound); NULL = the provider's default.
ALTER TABLE channels
    ADD COLUMN outbound_per_second integer CHECK (outbound_per_second > 0),
    ADD COLUMN outbound_burst integer CHECK (outbound_burst >= 0),
    ADD COLUMN outbound_per_recipient_per_minute integer
        CHECK (outbound_per_recipient_per_minute > 0),
    ADD COLUMN outbound_recipient_burst integer CHECK (outbound_recipient_burst >= 0);
