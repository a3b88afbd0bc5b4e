-- The audit log: every change with who made it, when, and the values before and after (JSON
-- objects of the record's fields as typed), written in the change's own transaction. Entries
-- outlive the accounts and records they name, so nothing here is a foreign key.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id INTEGER,
    actor_label TEXT NOT NULL,
    credential TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id INTEGER,
    action TEXT NOT NULL,
    before TEXT,
    after TEXT,
    detail TEXT NOT NULL DEFAULT '{}',
    redacted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX audit_by_record ON audit_log (entity, entity_id, id);
CREATE INDEX audit_by_actor ON audit_log (actor_id, id);
CREATE INDEX audit_by_time ON audit_log (at, id);
