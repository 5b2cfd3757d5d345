-- Tutoring records (issue 18): the bytes of an uploaded assignment file or message
-- attachment are kept by the store, in the row itself (`location` is then `stored:<id>`),
-- never at a path a user typed. At most 5 MiB (`domain::tutoring::MAX_FILE_BYTES`).
ALTER TABLE assignment_files ADD COLUMN content BYTEA CHECK (content IS NULL OR octet_length(content) <= 5242880);
ALTER TABLE message_attachments ADD COLUMN content BYTEA CHECK (content IS NULL OR octet_length(content) <= 5242880);
