-- Failed sign-ins per account (the email as typed) and per client address, in the database
-- rather than in one server's memory: every server behind a load balancer counts the same
-- failures, and a restart forgets none (issue 15).
CREATE TABLE login_failures (
    key     TEXT PRIMARY KEY,       -- 'account:<email>' or 'address:<ip>'
    count   INTEGER NOT NULL,
    last_at TEXT NOT NULL
);
CREATE INDEX login_failures_last ON login_failures (last_at);
