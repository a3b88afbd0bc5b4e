-- UN Comtrade's placeholders 99, 9999 and 999999 ("commodities not specified according to kind")
-- are not HS 2022 codes, and organisations may no longer carry them (issue 12): an organisation
-- that still did would no longer read back. They said nothing about the organisation, so they go.
DELETE FROM organization_hs_codes WHERE code IN ('99', '9999', '999999');
