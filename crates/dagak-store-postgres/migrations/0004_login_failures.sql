-- Failed sign-ins per account (the email as typed) and per client address, shared by every
-- application server.
CREATE TABLE login_failures (
    key     TEXT COLLATE "C" PRIMARY KEY,
    count   INTEGER NOT NULL,
    last_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_last ON login_failures (last_at);
