-- Officers' devices (亮证 reader authentication) and the checks they made offline.
-- An officer's profile says whom a reader certificate names and what it may request
-- (entitlements: JSON object, licence type code -> field keys).
CREATE TABLE officer_profiles (
    principal TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    department_code TEXT NOT NULL,
    department_name TEXT NOT NULL,
    area_code TEXT NOT NULL,
    entitlements TEXT NOT NULL,
    updated BIGINT NOT NULL
);
-- Reader certificates given to officers' device keys (public keys; the private keys stay on
-- the devices).
CREATE TABLE readers (
    serial TEXT PRIMARY KEY,
    principal TEXT NOT NULL,
    device_key TEXT NOT NULL,
    certificate BLOB NOT NULL,
    not_after BIGINT NOT NULL,
    created BIGINT NOT NULL
);
-- Offline check records received; the id refuses a replay.
CREATE TABLE present_records (
    id TEXT PRIMARY KEY,
    reader_serial TEXT NOT NULL,
    credential_serial TEXT NOT NULL,
    checked_at BIGINT NOT NULL,
    received BIGINT NOT NULL
);
