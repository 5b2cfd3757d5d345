-- Tries refused while a key is blocked are counted here and audited as one row per block,
-- not one row per try (issue 15, item 12).
ALTER TABLE login_throttle ADD COLUMN refused bigint NOT NULL DEFAULT 0;
