-- yinxin schema, version 1. The SQLite and PostgreSQL files differ only in BYTEA / BYTEA.

-- API clients: departments, seal authorities, officers, holders, admins. Tokens are stored as
-- their SM3 digest only; a client certificate (mutual TLS) is recorded by its SHA-256.
CREATE TABLE clients (
    id TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    principal TEXT NOT NULL,
    token_sm3 TEXT UNIQUE,
    cert_sha256 TEXT UNIQUE,
    created BIGINT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0
);

-- Issuing departments: their certificate, their signing key wrapped under the key-encryption key,
-- and the licence types they may issue (a JSON array of type codes).
CREATE TABLE departments (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    cert BYTEA NOT NULL,
    key_wrapped BYTEA NOT NULL,
    types TEXT NOT NULL
);

-- Secrets and settings of the service itself (wrapped keys, the KEK check value).
CREATE TABLE service_keys (
    name TEXT PRIMARY KEY,
    cert BYTEA,
    key_wrapped BYTEA NOT NULL
);

CREATE TABLE licences (
    identifier TEXT PRIMARY KEY,
    type_code TEXT NOT NULL,
    issuer_code TEXT NOT NULL,
    holder_code TEXT NOT NULL,
    number TEXT NOT NULL,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT,
    status_changed BIGINT,
    supersedes TEXT,
    superseded_by TEXT,
    metadata TEXT NOT NULL,
    ofd_sm3 TEXT NOT NULL,
    pdf_sm3 TEXT NOT NULL,
    issued_at BIGINT NOT NULL
);
CREATE INDEX licences_holder ON licences (holder_code, type_code);
CREATE INDEX licences_issuer ON licences (issuer_code, identifier);
CREATE INDEX licences_ofd ON licences (ofd_sm3);
CREATE INDEX licences_pdf ON licences (pdf_sm3);

-- 加注件: annotated copies of a licence for one use.
CREATE TABLE annotations (
    id TEXT PRIMARY KEY,
    identifier TEXT NOT NULL,
    use_cause TEXT NOT NULL,
    user_name TEXT NOT NULL,
    expires TEXT NOT NULL,
    metadata TEXT NOT NULL,
    ofd_sm3 TEXT NOT NULL,
    pdf_sm3 TEXT NOT NULL,
    created BIGINT NOT NULL
);
CREATE INDEX annotations_licence ON annotations (identifier);
CREATE INDEX annotations_ofd ON annotations (ofd_sm3);
CREATE INDEX annotations_pdf ON annotations (pdf_sm3);

-- E-seals along their lifecycle (applied → made → filed → in use ⇄ suspended → cancelled).
CREATE TABLE seals (
    id TEXT PRIMARY KEY,
    owner_code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    esl BYTEA,
    es_id TEXT,
    reason TEXT,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL
);
CREATE INDEX seals_owner ON seals (owner_code, created);

-- Sealed or signed materials (the bytes are in the document store).
CREATE TABLE materials (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    format TEXT NOT NULL,
    sm3 TEXT NOT NULL,
    source_sm3 TEXT NOT NULL,
    signed_by TEXT NOT NULL,
    created BIGINT NOT NULL
);
CREATE INDEX materials_owner ON materials (owner, created);

-- Persons' signing certificates (电子签名): applied → issued → cancelled (注销).
CREATE TABLE signers (
    id TEXT PRIMARY KEY,
    holder_code TEXT NOT NULL,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    cert BYTEA,
    key_wrapped BYTEA,
    serial TEXT,
    created BIGINT NOT NULL,
    cancelled BIGINT
);
CREATE INDEX signers_holder ON signers (holder_code, created);

-- 用证授权: a holder lets a department use a type of licence for a use-cause until a date.
CREATE TABLE consents (
    id TEXT PRIMARY KEY,
    holder_code TEXT NOT NULL,
    department_code TEXT NOT NULL,
    type_code TEXT NOT NULL,
    use_cause TEXT NOT NULL,
    until_ts BIGINT NOT NULL,
    created BIGINT NOT NULL,
    revoked BIGINT
);
CREATE INDEX consents_holder ON consents (holder_code, created);
CREATE INDEX consents_lookup ON consents (department_code, holder_code, type_code);

-- Idempotency keys: the first response to (client, key) is kept and replayed.
CREATE TABLE idempotency (
    client_id TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_sm3 TEXT NOT NULL,
    status BIGINT NOT NULL,
    body TEXT NOT NULL,
    created BIGINT NOT NULL,
    PRIMARY KEY (client_id, idem_key)
);

-- The audit log: append-only, each entry's hash = SM3(previous hash ‖ entry), the head in one row.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    holder_code TEXT,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_holder ON audit_log (holder_code, seq);
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
-- Signed, time-stamped checkpoints of the head.
CREATE TABLE audit_checkpoints (
    seq BIGINT PRIMARY KEY,
    hash TEXT NOT NULL,
    at BIGINT NOT NULL,
    payload TEXT NOT NULL,
    signature TEXT NOT NULL,
    time_stamp TEXT
);
