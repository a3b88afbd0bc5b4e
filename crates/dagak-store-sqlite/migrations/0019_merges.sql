-- Where merged records went: a link to an organisation or person merged into another one leads
-- to the one kept instead of a plain 404. A later merge of the kept record moves the links on.
CREATE TABLE merged_records (
    entity     TEXT NOT NULL,           -- 'organization' or 'person'
    removed_id INTEGER NOT NULL,
    kept_id    INTEGER NOT NULL,
    merged_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (entity, removed_id)
) WITHOUT ROWID;
CREATE INDEX merged_records_kept ON merged_records (entity, kept_id);
