-- When each background job last ran: of several servers whose timers fire, one claims each run
-- (issue 15).
CREATE TABLE jobs (
    name        TEXT PRIMARY KEY,
    last_run_at TEXT NOT NULL
);
