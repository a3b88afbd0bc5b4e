-- The region area: the export figures a region has published, kept in load order (`position`)
-- with the source of each.
CREATE TABLE region_annual_figures (
    position INTEGER PRIMARY KEY,
    year INTEGER NOT NULL,
    usd_bn REAL NOT NULL,
    quality TEXT NOT NULL,
    scope TEXT NOT NULL,
    note TEXT NOT NULL,
    source_url TEXT NOT NULL
);
CREATE TABLE region_share_figures (
    position INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('destination', 'product')),
    period TEXT NOT NULL,
    scope TEXT NOT NULL,
    name TEXT NOT NULL,
    pct REAL NOT NULL,
    source_url TEXT NOT NULL
);
