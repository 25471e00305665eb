-- 亮证 (presentation). Each licence a credential is made for gets one entry, drawn at random, in
-- one of its issuer's status lists; the lists keep their uncompressed bits (two a licence) and
-- the signed, compressed form verifiers fetch. `version` counts changes to the bits, so that a
-- re-signing that raced a revocation never overwrites it.
CREATE TABLE status_entries (
    issuer_code TEXT NOT NULL,
    list_id BIGINT NOT NULL,
    idx BIGINT NOT NULL,
    licence_id TEXT NOT NULL UNIQUE,
    PRIMARY KEY (issuer_code, list_id, idx)
);
CREATE TABLE status_lists (
    issuer_code TEXT NOT NULL,
    list_id BIGINT NOT NULL,
    entries BIGINT NOT NULL,
    used BIGINT NOT NULL,
    version BIGINT NOT NULL,
    bits BYTEA NOT NULL,
    signed BYTEA NOT NULL,
    issued_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (issuer_code, list_id)
);
-- Credentials made for holders' devices (the device keys are public; the private keys never
-- reach the service).
CREATE TABLE credentials (
    serial TEXT PRIMARY KEY,
    licence_id TEXT NOT NULL,
    holder_code TEXT NOT NULL,
    device_key TEXT NOT NULL,
    created BIGINT NOT NULL
);
CREATE INDEX credentials_licence ON credentials (licence_id);
