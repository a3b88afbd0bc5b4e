-- The people list sorts by the latest change too.
CREATE INDEX people_updated ON people (updated_at, id);
