-- Support (seed 004): assignments and their work items, invoices, threads with read cursors,
-- meetings, and the pre-sign-in visitor chat. Seed 004's role tables are `users` +
-- `user_profiles`; its notifications and audit logs are 0001's `notifications` and `audit_log`.
-- Money is bigint cents (minor units) with an ISO 4217 currency code on the invoice.

-- Seed 004 ASSIGNMENTS.
CREATE TABLE assignments (
    id              uuid PRIMARY KEY,
    assignment_code text NOT NULL UNIQUE,
    student_id      uuid NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
    title           text NOT NULL,
    service_type    text NOT NULL CHECK (service_type IN ('writing','homework','exam','tutoring','other')),
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('draft','open','in_progress','submitted','completed','cancelled')),
    due_at          timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX assignments_student_idx ON assignments (student_id, created_at);

-- Seed 004 TEACHER_ASSIGNMENTS.
CREATE TABLE teacher_assignments (
    id            uuid PRIMARY KEY,
    assignment_id uuid NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    teacher_id    uuid NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
    status        text NOT NULL DEFAULT 'offered' CHECK (status IN ('offered','accepted','declined','completed','removed')),
    assigned_at   timestamptz NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    UNIQUE (assignment_id, teacher_id)
);
CREATE INDEX teacher_assignments_teacher_idx ON teacher_assignments (teacher_id);

-- Seed 004 ASSIGNMENT_FILES.
CREATE TABLE assignment_files (
    id            uuid PRIMARY KEY,
    assignment_id uuid NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    uploaded_by   uuid REFERENCES users(id) ON DELETE SET NULL,
    name          text NOT NULL,
    location      text NOT NULL,
    mime_type     text,
    size_bytes    bigint CHECK (size_bytes >= 0),
    created_at    timestamptz NOT NULL
);
CREATE INDEX assignment_files_assignment_idx ON assignment_files (assignment_id);
CREATE INDEX assignment_files_uploaded_by_idx ON assignment_files (uploaded_by);

-- Seed 004 INVOICES.
CREATE TABLE invoices (
    id            uuid PRIMARY KEY,
    assignment_id uuid REFERENCES assignments(id) ON DELETE RESTRICT,
    student_id    uuid NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
    total_cents   bigint NOT NULL CHECK (total_cents >= 0),
    currency      text NOT NULL CHECK (length(currency) = 3),
    status        text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','issued','partially_paid','paid','void')),
    due_at        timestamptz,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX invoices_assignment_idx ON invoices (assignment_id);
CREATE INDEX invoices_student_idx ON invoices (student_id);

-- Seed 004 PAYMENTS (in the invoice's currency).
CREATE TABLE payments (
    id             uuid PRIMARY KEY,
    invoice_id     uuid NOT NULL REFERENCES invoices(id) ON DELETE RESTRICT,
    amount_cents   bigint NOT NULL CHECK (amount_cents > 0),
    payment_method text NOT NULL CHECK (payment_method IN ('card','bank_transfer','cash','wallet','other')),
    status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','succeeded','failed','refunded')),
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE INDEX payments_invoice_idx ON payments (invoice_id);

-- Seed 004 PRE_SIGNIN_SESSIONS (converted_thread_id gets its foreign key after `threads`).
CREATE TABLE visitor_sessions (
    id                  uuid PRIMARY KEY,
    reference           text NOT NULL UNIQUE,
    access_token_hash   text NOT NULL UNIQUE,
    visitor_name        text NOT NULL,
    visitor_email       text,
    visitor_phone       text,
    subject             text NOT NULL DEFAULT '',
    status              text NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting','active','closed')),
    claimed_by          uuid REFERENCES users(id) ON DELETE SET NULL,
    claimed_at          timestamptz,
    converted_user_id   uuid REFERENCES users(id) ON DELETE SET NULL,
    converted_thread_id uuid,
    started_at          timestamptz NOT NULL,
    last_activity_at    timestamptz NOT NULL,
    closed_at           timestamptz,
    CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
CREATE INDEX visitor_sessions_queue_idx ON visitor_sessions (started_at) WHERE status = 'waiting';
CREATE INDEX visitor_sessions_claimed_by_idx ON visitor_sessions (claimed_by, status);
CREATE INDEX visitor_sessions_user_idx ON visitor_sessions (converted_user_id);
CREATE INDEX visitor_sessions_thread_idx ON visitor_sessions (converted_thread_id);

-- Seed 004 THREADS.
CREATE TABLE threads (
    id                 uuid PRIMARY KEY,
    subject            text NOT NULL,
    thread_type        text NOT NULL DEFAULT 'support' CHECK (thread_type IN ('support','assignment','invoice','general')),
    status             text NOT NULL DEFAULT 'open' CHECK (status IN ('open','pending','resolved','closed')),
    assignment_id      uuid REFERENCES assignments(id) ON DELETE SET NULL,
    invoice_id         uuid REFERENCES invoices(id) ON DELETE SET NULL,
    visitor_session_id uuid REFERENCES visitor_sessions(id) ON DELETE SET NULL,
    created_by         uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);
CREATE INDEX threads_assignment_idx ON threads (assignment_id);
CREATE INDEX threads_invoice_idx ON threads (invoice_id);
CREATE INDEX threads_visitor_session_idx ON threads (visitor_session_id);
CREATE INDEX threads_created_by_idx ON threads (created_by);
CREATE INDEX threads_status_idx ON threads (status, updated_at);

ALTER TABLE visitor_sessions ADD CONSTRAINT visitor_sessions_thread_fk
    FOREIGN KEY (converted_thread_id) REFERENCES threads(id) ON DELETE SET NULL;

-- Seed 004 MESSAGES.
CREATE TABLE messages (
    id         uuid PRIMARY KEY,
    thread_id  uuid NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    sender_id  uuid REFERENCES users(id) ON DELETE SET NULL,
    content    text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX messages_thread_idx ON messages (thread_id, created_at);
CREATE INDEX messages_sender_idx ON messages (sender_id);

-- Seed 004 THREAD_PARTICIPANTS (+ read cursor for unread counts).
CREATE TABLE thread_participants (
    id                   uuid PRIMARY KEY,
    thread_id            uuid NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    user_id              uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    last_read_message_id uuid REFERENCES messages(id) ON DELETE SET NULL,
    last_read_at         timestamptz,
    created_at           timestamptz NOT NULL,
    UNIQUE (thread_id, user_id)
);
CREATE INDEX thread_participants_user_idx ON thread_participants (user_id);
CREATE INDEX thread_participants_last_read_idx ON thread_participants (last_read_message_id);

-- Seed 004 MESSAGE_ATTACHMENTS.
CREATE TABLE message_attachments (
    id         uuid PRIMARY KEY,
    message_id uuid NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    name       text NOT NULL,
    location   text NOT NULL,
    mime_type  text,
    size_bytes bigint CHECK (size_bytes >= 0),
    created_at timestamptz NOT NULL
);
CREATE INDEX message_attachments_message_idx ON message_attachments (message_id);

-- Seed 004 MEETINGS.
CREATE TABLE meetings (
    id            uuid PRIMARY KEY,
    assignment_id uuid NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    meeting_code  text NOT NULL UNIQUE,
    scheduled_at  timestamptz NOT NULL,
    status        text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled','in_progress','completed','cancelled')),
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX meetings_assignment_idx ON meetings (assignment_id);
CREATE INDEX meetings_scheduled_idx ON meetings (scheduled_at);

-- Seed 004 MEETING_PARTICIPANTS.
CREATE TABLE meeting_participants (
    meeting_id uuid NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);
CREATE INDEX meeting_participants_user_idx ON meeting_participants (user_id);

-- Seed 004 WRITINGS (the student is the assignment's student).
CREATE TABLE writings (
    id            uuid PRIMARY KEY,
    assignment_id uuid NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    teacher_id    uuid REFERENCES users(id) ON DELETE SET NULL,
    status        text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','submitted','reviewed','returned')),
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX writings_assignment_idx ON writings (assignment_id);
CREATE INDEX writings_teacher_idx ON writings (teacher_id);

-- Seed 004 HOMEWORKS (the student is the assignment's student).
CREATE TABLE homeworks (
    id            uuid PRIMARY KEY,
    assignment_id uuid NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    teacher_id    uuid REFERENCES users(id) ON DELETE SET NULL,
    due_at        timestamptz,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX homeworks_assignment_idx ON homeworks (assignment_id);
CREATE INDEX homeworks_teacher_idx ON homeworks (teacher_id);

-- Seed 004 EXAMS.
CREATE TABLE exams (
    id               uuid PRIMARY KEY,
    assignment_id    uuid NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    teacher_id       uuid REFERENCES users(id) ON DELETE SET NULL,
    duration_minutes bigint NOT NULL CHECK (duration_minutes >= 1),
    status           text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled','in_progress','completed','graded','cancelled')),
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX exams_assignment_idx ON exams (assignment_id);
CREATE INDEX exams_teacher_idx ON exams (teacher_id);

-- Seed 004 PRE_SIGNIN_MESSAGES.
CREATE TABLE visitor_messages (
    id          uuid PRIMARY KEY,
    session_id  uuid NOT NULL REFERENCES visitor_sessions(id) ON DELETE CASCADE,
    sender_type text NOT NULL CHECK (sender_type IN ('visitor','rep','system')),
    rep_id      uuid REFERENCES users(id) ON DELETE SET NULL,
    content     text NOT NULL,
    created_at  timestamptz NOT NULL,
    CHECK (rep_id IS NULL OR sender_type = 'rep')
);
CREATE INDEX visitor_messages_session_idx ON visitor_messages (session_id, created_at);
CREATE INDEX visitor_messages_rep_idx ON visitor_messages (rep_id);

-- Canned replies for support reps, body with {variables} (no seed entity).
CREATE TABLE canned_replies (
    id         uuid PRIMARY KEY,
    title      text NOT NULL UNIQUE,
    body       text NOT NULL,
    created_by uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX canned_replies_created_by_idx ON canned_replies (created_by);
