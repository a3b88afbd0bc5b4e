-- When each background job last ran: of several servers whose timers fire, one claims each run.
CREATE TABLE jobs (
    name        TEXT COLLATE "C" PRIMARY KEY,
    last_run_at TIMESTAMPTZ NOT NULL
);
