-- The organisations and people each write transaction touched, by the generation it produced:
-- readers move those rows in their cached sort orders instead of rebuilding them. Entity '*'
-- marks a write that changed too much to patch. Old generations are pruned.
CREATE TABLE store_changes (
    generation INTEGER NOT NULL,
    entity     TEXT NOT NULL,
    id         INTEGER NOT NULL
);
CREATE INDEX store_changes_generation ON store_changes (generation);
