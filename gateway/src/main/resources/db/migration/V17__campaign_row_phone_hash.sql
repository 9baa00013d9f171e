-- Audience rows are found by number through the keyed hash (privacy.PhoneHasher), as messages
-- are (V16): erasure and export of a person look it up here, never by the number itself.
ALTER TABLE campaign_rows ADD COLUMN phone_hash text;
CREATE INDEX campaign_rows_phone_hash ON campaign_rows (phone_hash) WHERE phone_hash IS NOT NULL;
