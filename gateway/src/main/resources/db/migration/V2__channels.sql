-- Meta apps (shared by WhatsApp, Messenger and Instagram channels) and channels. Secrets are
-- stored only sealed with the master key (AES-256-GCM, see privacy.CredentialCipher): each sealed
-- value is bound to its row (associated data 'meta-app:<id>' or the channel id), so a value copied
-- into another row does not decrypt.

CREATE TABLE meta_apps (
    id          text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'),
    -- sealed JSON {"appSecret": …, "verifyToken": …}
    secrets     bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE channels (
    id            text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'),
    tenant_id     text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    provider      text NOT NULL CHECK (provider IN
                      ('whatsapp', 'messenger', 'instagram', 'telegram', 'twilio', 'infobip',
                       'standard')),
    -- phone_number_id, page id, Instagram account id, sender number; null where not needed
    address       text,
    meta_app_id   text REFERENCES meta_apps (id),
    -- Twilio: the exact URL configured at Twilio (its signature covers it)
    public_url    text,
    -- sealed JSON object of the provider credentials
    credentials   bytea NOT NULL,
    allowed_ips   text[] NOT NULL DEFAULT '{}',
    inbound_per_phone_per_minute integer CHECK (inbound_per_phone_per_minute > 0),
    inbound_burst integer CHECK (inbound_burst >= 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((inbound_per_phone_per_minute IS NULL) = (inbound_burst IS NULL)),
    CHECK ((meta_app_id IS NOT NULL) = (provider IN ('whatsapp', 'messenger', 'instagram')))
);
CREATE INDEX channels_tenant ON channels (tenant_id);
-- Webhooks are routed by (provider, address), so an address names one channel only.
CREATE UNIQUE INDEX channels_provider_address ON channels (provider, address)
    WHERE address IS NOT NULL;

-- Keys are revoked by their display prefix, so it must name one key of a tenant.
CREATE UNIQUE INDEX api_keys_tenant_prefix ON api_keys (tenant_id, prefix);
