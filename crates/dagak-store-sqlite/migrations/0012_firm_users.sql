-- A `firm` user belongs to one local firm; deleting the firm leaves the account without one
-- (it then sees nothing until an administrator binds it again).
ALTER TABLE users ADD COLUMN organization_id INTEGER REFERENCES organizations (id) ON DELETE SET NULL;
