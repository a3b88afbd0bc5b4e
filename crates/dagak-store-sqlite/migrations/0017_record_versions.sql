-- Every organisation and person carries a version, raised by each write: a save from a form (or
-- an API call) read at an older version is refused instead of overwriting what another person
-- saved in between.
ALTER TABLE organizations ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE people ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
