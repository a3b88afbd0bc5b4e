-- Personal data (PIPA, GDPR): what a consent covers and where it came from, and until when the
-- person's data may be kept.
ALTER TABLE people ADD COLUMN consent_scope TEXT;
ALTER TABLE people ADD COLUMN consent_source TEXT;
ALTER TABLE people ADD COLUMN retain_until TEXT;
CREATE INDEX people_retain_until ON people (retain_until) WHERE retain_until IS NOT NULL;
