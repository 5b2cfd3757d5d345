-- SSH public keys that sign a person in to `labdeck serve --ssh` as their account (issue 17).
-- A key belongs to one account: its SHA-256 fingerprint is unique across all users.
CREATE TABLE ssh_keys (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    fingerprint  text NOT NULL UNIQUE,
    algorithm    text NOT NULL,
    public_key   text NOT NULL,
    comment      text NOT NULL DEFAULT '',
    added_by     uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz
);
CREATE INDEX ssh_keys_user_idx ON ssh_keys (user_id);
