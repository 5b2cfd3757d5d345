-- SSH public keys that sign a person in to `labdeck serve --ssh` as their account (issue 17).
-- A key belongs to one account: its SHA-256 fingerprint is unique across all users.
CREATE TABLE ssh_keys (
    id           BLOB PRIMARY KEY,
    user_id      BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    fingerprint  TEXT NOT NULL UNIQUE,
    algorithm    TEXT NOT NULL,
    public_key   TEXT NOT NULL,
    comment      TEXT NOT NULL DEFAULT '',
    added_by     BLOB REFERENCES users(id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT
);
CREATE INDEX ssh_keys_user_idx ON ssh_keys (user_id);
