-- The pre-filing archive (预归档). Events go to the audit log (one hash chain, one set of signed
-- checkpoints), found per transaction through its subject.
CREATE INDEX audit_subject ON audit_log (subject, seq);
-- The material catalogue of each item (事项): which materials are required, their class, and the
-- retention of its transactions. Versioned: a transaction records the version it was checked by.
CREATE TABLE archive_items (
    item_code TEXT PRIMARY KEY,
    version TEXT NOT NULL,
    body TEXT NOT NULL,
    updated BIGINT NOT NULL
);
-- One row per transaction (办件), accepted or rejected. A rejected one keeps no bytes and no
-- material rows (its findings are in `checks` and in the log) and may be submitted again.
CREATE TABLE archive_transactions (
    id TEXT PRIMARY KEY,
    txn_no TEXT NOT NULL,
    department_code TEXT NOT NULL,
    holder_code TEXT NOT NULL,
    item_code TEXT NOT NULL,
    request_sm3 TEXT NOT NULL,
    metadata TEXT NOT NULL,
    verdict TEXT NOT NULL,
    checks TEXT NOT NULL,
    retention TEXT NOT NULL,
    dispose_after BIGINT,
    legal_hold TEXT,
    created BIGINT NOT NULL,
    disposed BIGINT,
    UNIQUE (department_code, txn_no)
);
CREATE INDEX archive_txn_holder ON archive_transactions (holder_code);
CREATE INDEX archive_txn_dispose ON archive_transactions (dispose_after);
-- Materials: metadata and links; the bytes are in the document store under `sm3`, counted in
-- archive_blobs. A reused material is a new row pointing at the same bytes.
CREATE TABLE archive_materials (
    id TEXT PRIMARY KEY,
    txn_id TEXT NOT NULL REFERENCES archive_transactions (id),
    seq BIGINT NOT NULL,
    holder_code TEXT NOT NULL,
    material_code TEXT NOT NULL,
    class TEXT NOT NULL,
    sm3 TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    kind TEXT NOT NULL,
    sharing TEXT NOT NULL,
    valid_until BIGINT,
    licence_id TEXT,
    reused_from TEXT,
    verdict TEXT NOT NULL,
    metadata TEXT NOT NULL,
    checks TEXT NOT NULL,
    evidence TEXT,
    created BIGINT NOT NULL,
    UNIQUE (txn_id, seq)
);
CREATE INDEX archive_mat_reuse ON archive_materials (holder_code, material_code);
CREATE INDEX archive_mat_sm3 ON archive_materials (sm3);
-- Live references to stored bytes: a blob is deleted only when its count reaches zero.
CREATE TABLE archive_blobs (
    sm3 TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    refs BIGINT NOT NULL
);
