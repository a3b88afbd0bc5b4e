-- A set-up link can invite a firm's account: it names the firm the account will belong to.
ALTER TABLE setup_links ADD COLUMN organization_id INTEGER REFERENCES organizations (id) ON DELETE CASCADE;
