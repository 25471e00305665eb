-- Long-term validation (issue 20): for every licence a long-term copy of its PDF and OFD (the
-- validation material and a document or package time stamp added, renewed before the newest
-- stamp's TSA certificate ends), and for every archived transaction an RFC 4998 evidence record
-- over its stored materials, renewed the same way (time stamp) or under a new hash algorithm
-- (hash tree). One row per (subject, kind); the scheduled task and GET /v1/archive/evidence/due
-- read newest_at, tsa_not_after and alg.
CREATE TABLE long_term (
    subject TEXT NOT NULL,
    kind TEXT NOT NULL,
    blob_sm3 TEXT,
    record BLOB,
    alg TEXT NOT NULL,
    newest_at BIGINT NOT NULL,
    tsa_not_after BIGINT NOT NULL,
    renewals BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (subject, kind)
);
CREATE INDEX long_term_due ON long_term (tsa_not_after);
CREATE INDEX long_term_blob ON long_term (blob_sm3);
-- The time-stamp tokens of evidence records, kept once per batch (a token, with the validation
-- material it carries, is several kilobytes; a batch covers up to a thousand transactions). A
-- record in long_term holds a 49-byte reference (ContentInfo id-data naming the token's SM3) in
-- place of each token, and is whole again when read.
CREATE TABLE evidence_tokens (
    sm3 TEXT PRIMARY KEY,
    token BLOB NOT NULL
);
