-- Join codes keep no hint (a prefix of the code) any more: only a keyed tag is stored.
UPDATE class_join_tokens SET token_hint = '';
