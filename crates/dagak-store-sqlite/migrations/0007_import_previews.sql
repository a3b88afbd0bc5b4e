-- Import previews waiting for confirmation (the imports area): the uploaded files themselves, so
-- that a preview survives a restart and any server on this database can commit it.
CREATE TABLE import_previews (
    token TEXT PRIMARY KEY,
    created_by TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    on_match TEXT NOT NULL
);
CREATE INDEX import_previews_expiry ON import_previews (expires_at);
CREATE TABLE import_preview_files (
    token TEXT NOT NULL REFERENCES import_previews (token) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BLOB NOT NULL,
    PRIMARY KEY (token, position)
);
