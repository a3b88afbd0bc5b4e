-- Filtered lists in English-name order (the default for English readers) read their page from
-- these indexes instead of sorting every match.
CREATE INDEX organizations_kind_country_en ON organizations (kind, country, sort_en, id);
CREATE INDEX organizations_country_en ON organizations (country, sort_en, id);
CREATE INDEX organizations_kind_en ON organizations (kind, sort_en, id);
