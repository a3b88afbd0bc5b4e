-- A counter every write transaction bumps: readers cache what they derive from one generation
-- (id sets of filters, sort orders) and drop it when the counter moves.
CREATE TABLE store_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO store_generation (id, value) VALUES (1, 0);
