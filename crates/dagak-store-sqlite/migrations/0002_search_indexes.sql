-- Indexes that let the directory count and page filtered lists from the index alone, and
-- substring search over people (the same scheme as organisations).

DROP INDEX organizations_city;
CREATE INDEX organizations_city ON organizations (city_key, sort_ko, id);
CREATE INDEX organizations_kind_country ON organizations (kind, country, sort_ko, id);
CREATE INDEX organizations_country_city ON organizations (country, city_key, sort_ko, id);

CREATE TABLE people_bigrams (
    gram      TEXT NOT NULL,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    PRIMARY KEY (gram, person_id)
) WITHOUT ROWID;
CREATE INDEX people_bigrams_person ON people_bigrams (person_id);

CREATE VIRTUAL TABLE people_fts USING fts5 (
    search_text, content = '', contentless_delete = 1, tokenize = 'trigram'
);

-- Index the people stored before this migration.
INSERT INTO people_fts (rowid, search_text) SELECT id, search_text FROM people;
