-- SMPP channels: the provider 'smpp', and a channel's non-secret connection settings (for smpp:
-- host, port, tls, systemType, bindMode, binds, windowSize, sourceAddress). Its systemId and
-- password are credentials, sealed in channels.credentials like every other provider's.
ALTER TABLE channels DROP CONSTRAINT channels_provider_check;
ALTER TABLE channels ADD CONSTRAINT channels_provider_check CHECK (provider IN
    ('whatsapp', 'messenger', 'instagram', 'telegram', 'twilio', 'infobip', 'standard', 'smpp'));
ALTER TABLE channels ADD COLUMN settings jsonb;
