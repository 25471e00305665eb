-- A reader certificate revoked (a lost or replaced officer device): listed in the trust bundle
-- until it would have expired, so wallets refuse its requests, and records it signs after the
-- revocation are refused.
ALTER TABLE readers ADD COLUMN revoked_at BIGINT;
