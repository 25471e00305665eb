-- The transparency log (yinxin-tlog): an RFC 9162 Merkle tree over SM3, served as C2SP tiles.
-- Entries wait in tlog_pending, written in the same transaction as the action they record, so
-- an action never commits without its entry; the sequencer moves them into the tree in
-- batches, one transaction a batch (entries, changed tiles, head, signed checkpoint).
CREATE TABLE tlog_pending (
    id INTEGER PRIMARY KEY,
    subject TEXT NOT NULL,
    kind BIGINT NOT NULL,
    entry BLOB NOT NULL
);
-- Sequenced entries: the leaf at idx is H(0x00 || entry). Entry bundles are read from here.
CREATE TABLE tlog_entries (
    idx BIGINT PRIMARY KEY,
    subject TEXT NOT NULL,
    kind BIGINT NOT NULL,
    entry BLOB NOT NULL
);
CREATE INDEX tlog_entries_subject ON tlog_entries (subject, idx);
-- Hash tiles, one row per tile coordinate at its widest: a partial tile is a prefix of the
-- tile it grows into, so every width served (tile/L/N.p/W) is a prefix of this row's hashes.
CREATE TABLE tlog_tiles (
    level BIGINT NOT NULL,
    idx BIGINT NOT NULL,
    width BIGINT NOT NULL,
    hashes BLOB NOT NULL,
    PRIMARY KEY (level, idx)
);
-- Signed checkpoints (C2SP tlog-checkpoint notes), one a batch.
CREATE TABLE tlog_checkpoints (
    size BIGINT PRIMARY KEY,
    note TEXT NOT NULL,
    at BIGINT NOT NULL
);
-- The tree size; updating it first serialises sequencers (a row lock on PostgreSQL).
CREATE TABLE tlog_head (
    id BIGINT PRIMARY KEY,
    size BIGINT NOT NULL
);
INSERT INTO tlog_head (id, size) VALUES (1, 0);
