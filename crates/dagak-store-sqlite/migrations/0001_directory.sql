-- The partner directory: organisations, people and their affiliations.

CREATE TABLE organizations (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    name_ko         TEXT,
    name_en         TEXT,
    -- Lower-cased display names for sorting: Korean first, English first.
    sort_ko         TEXT NOT NULL,
    sort_en         TEXT NOT NULL,
    country         TEXT NOT NULL,
    city            TEXT,
    city_key        TEXT,
    domain          TEXT,
    business_number TEXT,
    offers          TEXT NOT NULL DEFAULT '',
    seeks           TEXT NOT NULL DEFAULT '',
    employees       INTEGER,
    description_ko  TEXT,
    description_en  TEXT,
    -- Lower-cased names, romanised Korean name, domain and business number, for free text search.
    search_text     TEXT NOT NULL,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX organizations_sort_ko ON organizations (sort_ko, id);
CREATE INDEX organizations_sort_en ON organizations (sort_en, id);
CREATE INDEX organizations_country ON organizations (country, sort_ko, id);
CREATE INDEX organizations_kind ON organizations (kind, sort_ko, id);
CREATE INDEX organizations_city ON organizations (city_key);
CREATE INDEX organizations_updated ON organizations (updated_at, id);
CREATE INDEX organizations_business_number ON organizations (business_number) WHERE business_number IS NOT NULL;
CREATE INDEX organizations_domain ON organizations (domain) WHERE domain IS NOT NULL;

CREATE TABLE organization_tags (
    tag    TEXT NOT NULL,
    org_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    PRIMARY KEY (tag, org_id)
) WITHOUT ROWID;
CREATE INDEX organization_tags_org ON organization_tags (org_id);

CREATE TABLE organization_hs_codes (
    code   TEXT NOT NULL,
    org_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    PRIMARY KEY (code, org_id)
) WITHOUT ROWID;
CREATE INDEX organization_hs_codes_org ON organization_hs_codes (org_id);

-- Normalised and romanised names, for duplicate detection.
CREATE TABLE organization_name_keys (
    key    TEXT NOT NULL,
    org_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    PRIMARY KEY (key, org_id)
) WITHOUT ROWID;
CREATE INDEX organization_name_keys_org ON organization_name_keys (org_id);

-- Two-character windows of the non-ASCII words of `search_text`: FTS5's trigram tokenizer cannot
-- answer a query shorter than three characters, and Koreans search by two syllables (구미).
CREATE TABLE organization_bigrams (
    gram   TEXT NOT NULL,
    org_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    PRIMARY KEY (gram, org_id)
) WITHOUT ROWID;
CREATE INDEX organization_bigrams_org ON organization_bigrams (org_id);

-- Substring search over `search_text` for queries of three characters or more.
CREATE VIRTUAL TABLE organization_fts USING fts5 (
    search_text, content = '', contentless_delete = 1, tokenize = 'trigram'
);

CREATE TABLE people (
    id            INTEGER PRIMARY KEY,
    family_name   TEXT,
    given_name    TEXT,
    name_order    TEXT NOT NULL,
    titles        TEXT NOT NULL DEFAULT '',
    emails        TEXT NOT NULL DEFAULT '',
    phones        TEXT NOT NULL DEFAULT '',
    languages     TEXT NOT NULL DEFAULT '',
    consent_date  TEXT,
    consent_basis TEXT,
    sort_key      TEXT NOT NULL,
    search_text   TEXT NOT NULL,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX people_sort ON people (sort_key, id);

CREATE TABLE affiliations (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    org_id     INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    role       TEXT,
    start_date TEXT,
    end_date   TEXT
);
CREATE INDEX affiliations_person ON affiliations (person_id);
CREATE INDEX affiliations_org ON affiliations (org_id, person_id);
