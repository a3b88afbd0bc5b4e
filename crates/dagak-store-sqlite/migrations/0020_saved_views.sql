-- A list's filters saved under a name, per user: a view staff open again from the list.
CREATE TABLE saved_views (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    area       TEXT NOT NULL,            -- the list: 'organizations', 'people'
    name       TEXT NOT NULL,
    query      TEXT NOT NULL,            -- the list URL's query string, without '?'
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    UNIQUE (user_id, area, name)
);
