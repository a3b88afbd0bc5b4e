-- Dated notes on an organisation or a person, shown with the record's changes in its timeline.
-- A note outlives its record's deletion (a restore brings both back); erasing a person's
-- personal data removes the notes about them.
CREATE TABLE notes (
    id           INTEGER PRIMARY KEY,
    entity       TEXT NOT NULL,          -- 'organization' or 'person'
    entity_id    INTEGER NOT NULL,
    text         TEXT NOT NULL,
    author_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    author_label TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX notes_entity ON notes (entity, entity_id, created_at);
