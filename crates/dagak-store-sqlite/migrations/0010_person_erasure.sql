-- Personal data rights (PIPA, GDPR): an erased person keeps their row, id and affiliations (so
-- counts elsewhere stay) but none of their personal fields; `erased_at` says when.
ALTER TABLE people ADD COLUMN erased_at TEXT;
