-- The checkpoint last published with its witnesses' cosignatures (one row), so that a restart
-- serves it at once instead of nothing until the next witness round succeeds.
CREATE TABLE tlog_published (
    id BIGINT PRIMARY KEY,
    size BIGINT NOT NULL,
    note TEXT NOT NULL,
    at BIGINT NOT NULL
);
