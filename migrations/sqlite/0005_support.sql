-- Support (seed 004): assignments and their work items, invoices, threads with read cursors,
-- meetings, and the pre-sign-in visitor chat. Seed 004's role tables are `users` +
-- `user_profiles`; its notifications and audit logs are 0001's `notifications` and `audit_log`.
-- Money is bigint cents (minor units) with an ISO 4217 currency code on the invoice.

-- Seed 004 ASSIGNMENTS.
CREATE TABLE assignments (
    id              BLOB PRIMARY KEY,
    assignment_code TEXT NOT NULL UNIQUE,
    student_id      BLOB NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
    title           TEXT NOT NULL,
    service_type    TEXT NOT NULL CHECK (service_type IN ('writing','homework','exam','tutoring','other')),
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('draft','open','in_progress','submitted','completed','cancelled')),
    due_at          TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX assignments_student_idx ON assignments (student_id, created_at);

-- Seed 004 TEACHER_ASSIGNMENTS.
CREATE TABLE teacher_assignments (
    id            BLOB PRIMARY KEY,
    assignment_id BLOB NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    teacher_id    BLOB NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
    status        TEXT NOT NULL DEFAULT 'offered' CHECK (status IN ('offered','accepted','declined','completed','removed')),
    assigned_at   TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (assignment_id, teacher_id)
);
CREATE INDEX teacher_assignments_teacher_idx ON teacher_assignments (teacher_id);

-- Seed 004 ASSIGNMENT_FILES.
CREATE TABLE assignment_files (
    id            BLOB PRIMARY KEY,
    assignment_id BLOB NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    uploaded_by   BLOB REFERENCES users(id) ON DELETE SET NULL,
    name          TEXT NOT NULL,
    location      TEXT NOT NULL,
    mime_type     TEXT,
    size_bytes    INTEGER CHECK (size_bytes >= 0),
    created_at    TEXT NOT NULL
);
CREATE INDEX assignment_files_assignment_idx ON assignment_files (assignment_id);
CREATE INDEX assignment_files_uploaded_by_idx ON assignment_files (uploaded_by);

-- Seed 004 INVOICES.
CREATE TABLE invoices (
    id            BLOB PRIMARY KEY,
    assignment_id BLOB REFERENCES assignments(id) ON DELETE RESTRICT,
    student_id    BLOB NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
    total_cents   INTEGER NOT NULL CHECK (total_cents >= 0),
    currency      TEXT NOT NULL CHECK (length(currency) = 3),
    status        TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','issued','partially_paid','paid','void')),
    due_at        TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX invoices_assignment_idx ON invoices (assignment_id);
CREATE INDEX invoices_student_idx ON invoices (student_id);

-- Seed 004 PAYMENTS (in the invoice's currency).
CREATE TABLE payments (
    id             BLOB PRIMARY KEY,
    invoice_id     BLOB NOT NULL REFERENCES invoices(id) ON DELETE RESTRICT,
    amount_cents   INTEGER NOT NULL CHECK (amount_cents > 0),
    payment_method TEXT NOT NULL CHECK (payment_method IN ('card','bank_transfer','cash','wallet','other')),
    status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','succeeded','failed','refunded')),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX payments_invoice_idx ON payments (invoice_id);

-- Seed 004 PRE_SIGNIN_SESSIONS.
CREATE TABLE visitor_sessions (
    id                  BLOB PRIMARY KEY,
    reference           TEXT NOT NULL UNIQUE,
    access_token_hash   TEXT NOT NULL UNIQUE,
    visitor_name        TEXT NOT NULL,
    visitor_email       TEXT,
    visitor_phone       TEXT,
    subject             TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting','active','closed')),
    claimed_by          BLOB REFERENCES users(id) ON DELETE SET NULL,
    claimed_at          TEXT,
    converted_user_id   BLOB REFERENCES users(id) ON DELETE SET NULL,
    converted_thread_id BLOB REFERENCES threads(id) ON DELETE SET NULL,
    started_at          TEXT NOT NULL,
    last_activity_at    TEXT NOT NULL,
    closed_at           TEXT,
    CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
CREATE INDEX visitor_sessions_queue_idx ON visitor_sessions (started_at) WHERE status = 'waiting';
CREATE INDEX visitor_sessions_claimed_by_idx ON visitor_sessions (claimed_by, status);
CREATE INDEX visitor_sessions_user_idx ON visitor_sessions (converted_user_id);
CREATE INDEX visitor_sessions_thread_idx ON visitor_sessions (converted_thread_id);

-- Seed 004 THREADS.
CREATE TABLE threads (
    id                 BLOB PRIMARY KEY,
    subject            TEXT NOT NULL,
    thread_type        TEXT NOT NULL DEFAULT 'support' CHECK (thread_type IN ('support','assignment','invoice','general')),
    status             TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','pending','resolved','closed')),
    assignment_id      BLOB REFERENCES assignments(id) ON DELETE SET NULL,
    invoice_id         BLOB REFERENCES invoices(id) ON DELETE SET NULL,
    visitor_session_id BLOB REFERENCES visitor_sessions(id) ON DELETE SET NULL,
    created_by         BLOB REFERENCES users(id) ON DELETE SET NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX threads_assignment_idx ON threads (assignment_id);
CREATE INDEX threads_invoice_idx ON threads (invoice_id);
CREATE INDEX threads_visitor_session_idx ON threads (visitor_session_id);
CREATE INDEX threads_created_by_idx ON threads (created_by);
CREATE INDEX threads_status_idx ON threads (status, updated_at);

-- Seed 004 MESSAGES.
CREATE TABLE messages (
    id         BLOB PRIMARY KEY,
    thread_id  BLOB NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    sender_id  BLOB REFERENCES users(id) ON DELETE SET NULL,
    content    TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX messages_thread_idx ON messages (thread_id, created_at);
CREATE INDEX messages_sender_idx ON messages (sender_id);

-- Seed 004 THREAD_PARTICIPANTS (+ read cursor for unread counts).
CREATE TABLE thread_participants (
    id                   BLOB PRIMARY KEY,
    thread_id            BLOB NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    user_id              BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    last_read_message_id BLOB REFERENCES messages(id) ON DELETE SET NULL,
    last_read_at         TEXT,
    created_at           TEXT NOT NULL,
    UNIQUE (thread_id, user_id)
);
CREATE INDEX thread_participants_user_idx ON thread_participants (user_id);
CREATE INDEX thread_participants_last_read_idx ON thread_participants (last_read_message_id);

-- Seed 004 MESSAGE_ATTACHMENTS.
CREATE TABLE message_attachments (
    id         BLOB PRIMARY KEY,
    message_id BLOB NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    location   TEXT NOT NULL,
    mime_type  TEXT,
    size_bytes INTEGER CHECK (size_bytes >= 0),
    created_at TEXT NOT NULL
);
CREATE INDEX message_attachments_message_idx ON message_attachments (message_id);

-- Seed 004 MEETINGS.
CREATE TABLE meetings (
    id            BLOB PRIMARY KEY,
    assignment_id BLOB NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    meeting_code  TEXT NOT NULL UNIQUE,
    scheduled_at  TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled','in_progress','completed','cancelled')),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX meetings_assignment_idx ON meetings (assignment_id);
CREATE INDEX meetings_scheduled_idx ON meetings (scheduled_at);

-- Seed 004 MEETING_PARTICIPANTS.
CREATE TABLE meeting_participants (
    meeting_id BLOB NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    user_id    BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);
CREATE INDEX meeting_participants_user_idx ON meeting_participants (user_id);

-- Seed 004 WRITINGS (the student is the assignment's student).
CREATE TABLE writings (
    id            BLOB PRIMARY KEY,
    assignment_id BLOB NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    teacher_id    BLOB REFERENCES users(id) ON DELETE SET NULL,
    status        TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','submitted','reviewed','returned')),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX writings_assignment_idx ON writings (assignment_id);
CREATE INDEX writings_teacher_idx ON writings (teacher_id);

-- Seed 004 HOMEWORKS (the student is the assignment's student).
CREATE TABLE homeworks (
    id            BLOB PRIMARY KEY,
    assignment_id BLOB NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    teacher_id    BLOB REFERENCES users(id) ON DELETE SET NULL,
    due_at        TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX homeworks_assignment_idx ON homeworks (assignment_id);
CREATE INDEX homeworks_teacher_idx ON homeworks (teacher_id);

-- Seed 004 EXAMS.
CREATE TABLE exams (
    id               BLOB PRIMARY KEY,
    assignment_id    BLOB NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    teacher_id       BLOB REFERENCES users(id) ON DELETE SET NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes >= 1),
    status           TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled','in_progress','completed','graded','cancelled')),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX exams_assignment_idx ON exams (assignment_id);
CREATE INDEX exams_teacher_idx ON exams (teacher_id);

-- Seed 004 PRE_SIGNIN_MESSAGES.
CREATE TABLE visitor_messages (
    id          BLOB PRIMARY KEY,
    session_id  BLOB NOT NULL REFERENCES visitor_sessions(id) ON DELETE CASCADE,
    sender_type TEXT NOT NULL CHECK (sender_type IN ('visitor','rep','system')),
    rep_id      BLOB REFERENCES users(id) ON DELETE SET NULL,
    content     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    CHECK (rep_id IS NULL OR sender_type = 'rep')
);
CREATE INDEX visitor_messages_session_idx ON visitor_messages (session_id, created_at);
CREATE INDEX visitor_messages_rep_idx ON visitor_messages (rep_id);

-- Canned replies for support reps, body with {variables} (no seed entity).
CREATE TABLE canned_replies (
    id         BLOB PRIMARY KEY,
    title      TEXT NOT NULL UNIQUE,
    body       TEXT NOT NULL,
    created_by BLOB REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX canned_replies_created_by_idx ON canned_replies (created_by);
