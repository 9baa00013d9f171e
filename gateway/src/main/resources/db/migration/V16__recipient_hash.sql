-- Messages are found by recipient through the keyed hash (privacy.PhoneHasher, an HMAC under a
-- key derived from the master key), never by the number itself: erasure and export by phone
-- number look a person up here. Written by the ledger writer with every message row.
ALTER TABLE messages ADD COLUMN recipient_hash text;
CREATE INDEX messages_tenant_recipient ON messages (tenant_id, recipient_hash)
    WHERE recipient_hash IS NOT NULL;
