-- How many organisations there are of each kind, country and city: the list's count for the
-- unfiltered list and for filters of those three only, read from a few hundred rows instead of
-- counting a million. Statement triggers keep it exact inside every writing transaction (so a
-- count is always that of the reader's snapshot); `dagak db copy` recomputes it after loading.
CREATE TABLE organization_counts (
    kind     TEXT COLLATE "C" NOT NULL,
    country  TEXT COLLATE "C" NOT NULL,
    city_key TEXT COLLATE "C" NOT NULL,
    n        BIGINT NOT NULL,
    PRIMARY KEY (kind, country, city_key)
);

INSERT INTO organization_counts (kind, country, city_key, n)
    SELECT kind, country, coalesce(city_key, ''), count(*) FROM organizations
    GROUP BY 1, 2, 3;

CREATE FUNCTION count_organizations_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO organization_counts AS c (kind, country, city_key, n)
        SELECT kind, country, coalesce(city_key, ''), count(*) FROM added GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3
    ON CONFLICT (kind, country, city_key) DO UPDATE SET n = c.n + EXCLUDED.n;
    RETURN NULL;
END $$;

CREATE FUNCTION count_organizations_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE organization_counts c SET n = c.n - r.n
    FROM (SELECT kind, country, coalesce(city_key, '') AS city_key, count(*) AS n FROM removed
          GROUP BY 1, 2, 3) r
    WHERE c.kind = r.kind AND c.country = r.country AND c.city_key = r.city_key;
    RETURN NULL;
END $$;

CREATE TRIGGER organizations_counted_insert AFTER INSERT ON organizations
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION count_organizations_added();
CREATE TRIGGER organizations_counted_delete AFTER DELETE ON organizations
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION count_organizations_removed();
-- An update moves a row between counts only when its kind, country or city changed (most
-- updates change other columns and touch no count, so they take no lock on one).
CREATE FUNCTION count_organizations_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE organization_counts c SET n = c.n - r.n
    FROM (SELECT o.kind, o.country, coalesce(o.city_key, '') AS city_key, count(*) AS n
          FROM removed o JOIN added a ON a.id = o.id
          WHERE (o.kind, o.country, coalesce(o.city_key, ''))
                IS DISTINCT FROM (a.kind, a.country, coalesce(a.city_key, ''))
          GROUP BY 1, 2, 3) r
    WHERE c.kind = r.kind AND c.country = r.country AND c.city_key = r.city_key;
    INSERT INTO organization_counts AS c (kind, country, city_key, n)
        SELECT a.kind, a.country, coalesce(a.city_key, ''), count(*)
        FROM added a JOIN removed o ON o.id = a.id
        WHERE (o.kind, o.country, coalesce(o.city_key, ''))
              IS DISTINCT FROM (a.kind, a.country, coalesce(a.city_key, ''))
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (kind, country, city_key) DO UPDATE SET n = c.n + EXCLUDED.n;
    RETURN NULL;
END $$;

CREATE TRIGGER organizations_counted_update AFTER UPDATE ON organizations
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION count_organizations_moved();

-- The planner's view of kind × country × city together (the bench's corpus has no Korean
-- university, say): without it an empty combination is estimated at a share of each, and a
-- sorted list scans its whole index looking for rows that are not there.
CREATE STATISTICS organizations_place (mcv, ndistinct) ON kind, country, city_key FROM organizations;

-- How many people there are, for the unfiltered people list, kept by statement triggers.
CREATE TABLE people_count (one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one), n BIGINT NOT NULL);
INSERT INTO people_count (n) SELECT count(*) FROM people;

CREATE FUNCTION count_people_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE people_count SET n = n + (SELECT count(*) FROM added);
    RETURN NULL;
END $$;

CREATE FUNCTION count_people_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE people_count SET n = n - (SELECT count(*) FROM removed);
    RETURN NULL;
END $$;

CREATE TRIGGER people_counted_insert AFTER INSERT ON people
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION count_people_added();
CREATE TRIGGER people_counted_delete AFTER DELETE ON people
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION count_people_removed();
