-- Free text search covers more than names (issue 14): `search_text` and its indexes now hold the
-- city, the industry tags in both languages, the descriptions and the titles of the people
-- affiliated. The names alone get indexes of their own, to rank name matches first.

CREATE TABLE organization_name_bigrams (
    gram   TEXT NOT NULL,
    org_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    PRIMARY KEY (gram, org_id)
) WITHOUT ROWID;
CREATE INDEX organization_name_bigrams_org ON organization_name_bigrams (org_id);

CREATE VIRTUAL TABLE organization_name_fts USING fts5 (
    name_text, content = '', contentless_delete = 1, tokenize = 'trigram'
);

-- Organisations whose search text must be computed again before the write commits: the people's
-- titles are part of it, so a change of a person's titles or affiliations marks their
-- organisations here (by trigger, so that no write path can forget it).
CREATE TABLE organization_search_pending (org_id INTEGER PRIMARY KEY);

CREATE TRIGGER affiliation_added_search AFTER INSERT ON affiliations BEGIN
    INSERT OR IGNORE INTO organization_search_pending (org_id) VALUES (NEW.org_id);
END;
CREATE TRIGGER affiliation_removed_search AFTER DELETE ON affiliations BEGIN
    INSERT OR IGNORE INTO organization_search_pending (org_id) VALUES (OLD.org_id);
END;
CREATE TRIGGER affiliation_moved_search AFTER UPDATE OF org_id, person_id ON affiliations BEGIN
    INSERT OR IGNORE INTO organization_search_pending (org_id) VALUES (OLD.org_id), (NEW.org_id);
END;
CREATE TRIGGER person_titles_search AFTER UPDATE OF titles ON people
WHEN OLD.titles IS NOT NEW.titles BEGIN
    INSERT OR IGNORE INTO organization_search_pending (org_id)
    SELECT org_id FROM affiliations WHERE person_id = NEW.id;
END;

-- Every organisation is indexed again by the binary right after this migration.
INSERT INTO organization_search_pending (org_id) SELECT id FROM organizations;
