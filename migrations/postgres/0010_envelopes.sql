-- 电子签名 envelopes (issue 18). The rules live in yinxin-sign; these tables keep their state.
-- envelopes.body is the yinxin_sign::envelope::Envelope as JSON; version increments with every
-- change, and every update names the version it read (optimistic concurrency across nodes).
CREATE TABLE envelopes (
    id TEXT PRIMARY KEY,
    organiser TEXT NOT NULL,
    department TEXT NOT NULL,
    state TEXT NOT NULL,
    body TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX envelopes_organiser ON envelopes (organiser, created_at);
CREATE INDEX envelopes_state ON envelopes (state);
-- Every revision of every document: the original (seq 0), one per signature, the closing seal.
CREATE TABLE envelope_revisions (
    envelope_id TEXT NOT NULL,
    document BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    blob_sm3 TEXT NOT NULL,
    party BIGINT,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (envelope_id, document, seq)
);
-- Each party's one-time link (its SM3 only), its code and session, and its two-party key: the
-- service's share SM4-wrapped, the public key and the certificate issued over it.
CREATE TABLE envelope_parties (
    envelope_id TEXT NOT NULL,
    party BIGINT NOT NULL,
    link_sm3 TEXT NOT NULL UNIQUE,
    code_sm3 TEXT,
    code_expires BIGINT,
    code_attempts BIGINT NOT NULL DEFAULT 0,
    codes_sent BIGINT NOT NULL DEFAULT 0,
    codes_since BIGINT NOT NULL DEFAULT 0,
    access_sm3 TEXT,
    access_expires BIGINT,
    enrolment_id TEXT NOT NULL,
    share_wrapped BYTEA,
    cert BYTEA,
    PRIMARY KEY (envelope_id, party)
);
-- Two-party signing sessions: the prepared revision (a blob with an empty /Contents), the
-- signed attributes, the strokes, and the protocol state (yinxin_sign::cosign::SignSession).
CREATE TABLE sign_sessions (
    id TEXT PRIMARY KEY,
    envelope_id TEXT NOT NULL,
    party BIGINT NOT NULL,
    document BIGINT NOT NULL,
    base_seq BIGINT NOT NULL,
    state TEXT NOT NULL,
    prepared_sm3 TEXT NOT NULL,
    attrs BYTEA NOT NULL,
    handwriting BYTEA NOT NULL,
    device TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sign_sessions_party ON sign_sessions (envelope_id, party);
-- Messages the service would send by SMS or mail (one-time codes, links, reminders): kept here
-- in development, where no gateway is configured, for the organiser's tools and the tests.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX outbox_recipient ON outbox (recipient, created_at);
-- Webhooks: where an envelope's state changes are posted (signed with the service key; an
-- HMAC-SM3 too when the organiser gave a secret, SM4-wrapped here), and the deliveries, written
-- in the transaction of the change they report and sent by a task with retries.
CREATE TABLE envelope_webhooks (
    envelope_id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    secret_wrapped BYTEA
);
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    envelope_id TEXT NOT NULL,
    event TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    delivered_at BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (delivered_at, next_at);
