//! Seed 004: tutoring assignments with their teachers, files, work items, meetings,
//! invoices (cents) and payments; message threads of every type with read cursors; canned
//! replies; and the visitor chat queue in each state, one visitor converted to a thread.

use super::{DemoPeople, SeedCounts, ins, minutes, refuse_if_seeded, summary};
use crate::domain::audit::Entry;
use crate::domain::invitation::{new_token, token_hash};
use crate::domain::time;
use crate::store::tx::{BeginWrite, TxExt};
use crate::store::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use uuid::Uuid;

const ASSIGNMENT: &str = "INSERT INTO assignments (id, assignment_code, student_id, title, service_type, status, due_at, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)";
const TEACHER_ASSIGNMENT: &str = "INSERT INTO teacher_assignments (id, assignment_id, teacher_id, status, assigned_at, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $5, $5)";
const FILE: &str = "INSERT INTO assignment_files (id, assignment_id, uploaded_by, name, location, mime_type, size_bytes, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
const INVOICE: &str = "INSERT INTO invoices (id, assignment_id, student_id, total_cents, currency, status, due_at, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)";
const PAYMENT: &str = "INSERT INTO payments (id, invoice_id, amount_cents, payment_method, status, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $6)";
const MEETING: &str = "INSERT INTO meetings (id, assignment_id, meeting_code, scheduled_at, status, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $6)";
const MEETING_PARTICIPANT: &str =
    "INSERT INTO meeting_participants (meeting_id, user_id, created_at) VALUES ($1, $2, $3)";
const WRITING: &str = "INSERT INTO writings (id, assignment_id, teacher_id, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)";
const HOMEWORK: &str = "INSERT INTO homeworks (id, assignment_id, teacher_id, due_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)";
const EXAM: &str = "INSERT INTO exams (id, assignment_id, teacher_id, duration_minutes, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)";
const SESSION: &str = "INSERT INTO visitor_sessions (id, reference, access_token_hash, visitor_name, visitor_email, visitor_phone, subject, status, claimed_by, claimed_at, started_at, last_activity_at, closed_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
const VISITOR_MESSAGE: &str = "INSERT INTO visitor_messages (id, session_id, sender_type, rep_id, content, created_at) VALUES ($1, $2, $3, $4, $5, $6)";
const THREAD: &str = "INSERT INTO threads (id, subject, thread_type, status, assignment_id, invoice_id, visitor_session_id, created_by, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
const MESSAGE: &str =
    "INSERT INTO messages (id, thread_id, sender_id, content, created_at) VALUES ($1, $2, $3, $4, $5)";
const PARTICIPANT: &str = "INSERT INTO thread_participants (id, thread_id, user_id, last_read_message_id, last_read_at, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6)";
const ATTACHMENT: &str = "INSERT INTO message_attachments (id, message_id, name, location, mime_type, size_bytes, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";
const CANNED: &str =
    "INSERT INTO canned_replies (id, title, body, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)";
const CONVERT: &str = "UPDATE visitor_sessions SET converted_thread_id = $1 WHERE id = $2";

/// A visitor's public reference, PS- and six digits, distinct per index.
fn reference(i: usize) -> String {
    format!("PS-{:06}", (i * 271_829 + 104_729) % 900_000 + 100_000)
}

/// One thread: subject, type, status, linked assignment/invoice (by index), who opened it,
/// who else takes part, days ago, and its messages (sender, text).
type ThreadSeed = (
    &'static str,
    &'static str,
    &'static str,
    Option<usize>,
    Option<usize>,
    Uuid,
    Vec<Uuid>,
    i64,
    Vec<(Uuid, &'static str)>,
);

/// One visitor session: visitor, email, phone, subject, status, started minutes ago, claimed
/// by a rep, and its messages (sender type, text).
type SessionSeed = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
    &'static str,
    i64,
    bool,
    Vec<(&'static str, &'static str)>,
);

impl Store {
    /// Seed 004 demo data. Refused once any assignment exists.
    pub async fn seed_support(&self, people: &DemoPeople, audit: Entry) -> Result<SeedCounts, StoreError> {
        let now = time::now();
        let ago = |m: i64| now - minutes(m);
        let ahead = |m: i64| now + minutes(m);
        let day = 24 * 60;
        let mut counts = SeedCounts::default();
        let p = people;

        // (code, student, title, service type, status, due in days, teachers with their status)
        let assignments = [
            (
                "ASG-1001",
                p.sam,
                "Essay: the history of packet switching",
                "writing",
                "in_progress",
                Some(5_i64),
                vec![(p.tess, "accepted")],
            ),
            (
                "ASG-1002",
                p.sara,
                "Homework set 3: subnetting",
                "homework",
                "submitted",
                Some(-1),
                vec![(p.tom, "accepted")],
            ),
            (
                "ASG-1003",
                p.sid,
                "Midterm: operating systems",
                "exam",
                "open",
                Some(9),
                vec![(p.tess, "accepted"), (p.tom, "declined")],
            ),
            (
                "ASG-1004",
                p.sam,
                "Tutoring: shell scripting",
                "tutoring",
                "in_progress",
                Some(14),
                vec![(p.tom, "accepted")],
            ),
            (
                "ASG-1005",
                p.sara,
                "Lab report: VLAN trunking",
                "writing",
                "completed",
                Some(-10),
                vec![(p.tom, "completed")],
            ),
            ("ASG-1006", p.sid, "Project proposal review", "other", "draft", None, vec![(p.tess, "offered")]),
        ];
        let assignment_ids: Vec<Uuid> = assignments.iter().map(|_| Uuid::now_v7()).collect();
        // (assignment, student, cents, currency, status, due in days)
        let invoices = [
            (Some(0), p.sam, 12_000_i64, "EUR", "issued", 10_i64),
            (Some(1), p.sara, 4_500, "EUR", "paid", -5),
            (Some(2), p.sid, 8_000, "EUR", "partially_paid", 3),
            (Some(3), p.sam, 18_000, "EUR", "draft", 20),
            (Some(4), p.sara, 9_900, "USD", "paid", -12),
            (None, p.sid, 2_500, "EUR", "void", -20),
        ];
        let invoice_ids: Vec<Uuid> = invoices.iter().map(|_| Uuid::now_v7()).collect();
        let threads: Vec<ThreadSeed> = vec![
            (
                "Cannot reach my lab VM over SSH",
                "support",
                "open",
                None,
                None,
                p.sam,
                vec![p.sue],
                2,
                vec![
                    (p.sam, "ssh to lb101-student-01 times out since this morning. Screenshot attached."),
                    (p.sue, "Thanks Sam. The VM was stopped by auto-shutdown; I started it again. Can you retry?"),
                    (p.sam, "Works now, thanks! Is there a way to keep it running during the lab?"),
                ],
            ),
            (
                "Password reset did not arrive",
                "support",
                "pending",
                None,
                None,
                p.sid,
                vec![p.sue],
                1,
                vec![
                    (p.sid, "I asked for a password reset an hour ago and got nothing."),
                    (p.sue, "I've sent a new link to your university address. Please check the spam folder too."),
                ],
            ),
            (
                "Booking calendar shows the wrong time zone",
                "support",
                "resolved",
                None,
                None,
                p.sara,
                vec![p.sue, p.otto],
                6,
                vec![
                    (p.sara, "My booking says 09:00 but I booked 10:00."),
                    (p.sue, "Looping in Otto, who looks after the booking system."),
                    (p.otto, "Your profile was set to UTC. I changed it to Europe/Berlin; times should match now."),
                    (p.sara, "Confirmed, all good."),
                ],
            ),
            (
                "Question about the essay structure",
                "assignment",
                "open",
                Some(0),
                None,
                p.sam,
                vec![p.tess],
                3,
                vec![
                    (p.sam, "Should the history section come before the protocol comparison? Outline attached."),
                    (p.tess, "Yes, history first. Keep the comparison to two pages."),
                    (p.sam, "Great, I'll send a draft on Friday."),
                ],
            ),
            (
                "Homework 3 grading",
                "assignment",
                "closed",
                Some(1),
                None,
                p.sara,
                vec![p.tom],
                8,
                vec![
                    (p.sara, "Question 4 was marked wrong, but I think /27 is correct there."),
                    (p.tom, "You're right, I've corrected the grade."),
                ],
            ),
            (
                "Invoice for midterm preparation",
                "invoice",
                "open",
                None,
                Some(2),
                p.sid,
                vec![p.sue, p.ada],
                4,
                vec![
                    (p.sid, "I paid half by bank transfer, receipt attached. My card payment for the rest failed."),
                    (p.sue, "We received the transfer. Could you try the card again, or pay the rest by transfer?"),
                ],
            ),
            (
                "Refund for the lab access fee",
                "invoice",
                "resolved",
                None,
                Some(5),
                p.sid,
                vec![p.sue],
                15,
                vec![
                    (p.sid, "The lab access fee was charged twice."),
                    (p.sue, "Sorry about that. The invoice is void and the payment refunded."),
                ],
            ),
            (
                "Lab closed on the public holiday",
                "general",
                "open",
                None,
                None,
                p.ada,
                vec![p.tess, p.tom, p.sue],
                5,
                vec![
                    (p.ada, "The lab is closed next Monday. Please move any sessions planned for that day."),
                    (p.tess, "Noted, Linux Basics moves to Tuesday."),
                ],
            ),
        ];
        // (visitor, email, phone, subject, status, started minutes ago, claimed by a rep, messages)
        let sessions: Vec<SessionSeed> = vec![
            (
                "Jamie Rivera",
                Some("jamie.rivera@example.com"),
                None,
                "Do you offer evening classes?",
                "waiting",
                6,
                false,
                vec![
                    ("visitor", "Hi, do you offer any of the Linux courses in the evening?"),
                    ("system", "Thanks for waiting. You are number 1 in the queue."),
                ],
            ),
            (
                "Priya Nair",
                None,
                Some("+44 20 7946 0321"),
                "Group booking for a school visit",
                "waiting",
                15,
                false,
                vec![
                    ("visitor", "We'd like to bring 20 pupils to see the lab in May."),
                    ("system", "Thanks for waiting. You are number 2 in the queue."),
                ],
            ),
            (
                "Lukas Becker",
                Some("lukas.becker@example.org"),
                None,
                "Trouble paying an invoice",
                "active",
                25,
                true,
                vec![
                    ("visitor", "The payment page rejects my card."),
                    ("system", "Sue joined the chat."),
                    ("rep", "Hi Lukas, I'm Sue. Which invoice is it, and what does the error say?"),
                    ("visitor", "Invoice for the tutoring package, it says 'card not supported'."),
                    ("rep", "We take Visa and Mastercard; bank transfer works too. I'll send the details."),
                ],
            ),
            (
                "Maria Santos",
                Some("maria.santos@example.net"),
                None,
                "Pricing for a summer course",
                "closed",
                3 * day,
                true,
                vec![
                    ("visitor", "How much is the Networks Lab summer course?"),
                    ("rep", "It depends on the group size. I've opened a ticket so our team can send a quote."),
                    ("system", "Chat closed. Reference kept for follow-up."),
                ],
            ),
            (
                "Chen Wei",
                None,
                None,
                "Wrong chat",
                "closed",
                6 * day,
                true,
                vec![
                    ("visitor", "Sorry, I meant to contact the library."),
                    ("rep", "No problem, the library help desk is at library.example.edu."),
                    ("system", "Chat closed."),
                ],
            ),
        ];
        let session_ids: Vec<Uuid> = sessions.iter().map(|_| Uuid::now_v7()).collect();

        on_pool!(self, db => {
            let mut tx = db.begin_write().await?;
            refuse_if_seeded!(tx, "assignments", "support");

            for (i, (code, student, title, service, status, due, teachers)) in assignments.iter().enumerate() {
                let created = ago((20 - i as i64) * day);
                ins!(tx, counts, ASSIGNMENT, assignment_ids[i], *code, *student, *title, *service, *status, due.map(|d| ahead(d * day)), created);
                for (teacher, ta_status) in teachers {
                    ins!(tx, counts, TEACHER_ASSIGNMENT, Uuid::now_v7(), assignment_ids[i], *teacher, *ta_status, created + minutes(90));
                }
                match *service {
                    "writing" => ins!(tx, counts, WRITING, Uuid::now_v7(), assignment_ids[i], Some(teachers[0].0),
                        if *status == "completed" { "reviewed" } else { "submitted" }, created + minutes(day)),
                    "homework" => ins!(tx, counts, HOMEWORK, Uuid::now_v7(), assignment_ids[i], Some(teachers[0].0), due.map(|d| ahead(d * day)), created),
                    "exam" => ins!(tx, counts, EXAM, Uuid::now_v7(), assignment_ids[i], Some(teachers[0].0), 90_i64, "scheduled", created),
                    "tutoring" => ins!(tx, counts, HOMEWORK, Uuid::now_v7(), assignment_ids[i], Some(teachers[0].0), Some(ahead(7 * day)), created + minutes(2 * day)),
                    _ => {}
                }
            }
            for (a, by, name, mime, size) in [
                (0, p.sam, "essay-draft-v2.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", 48_640_i64),
                (1, p.sara, "subnetting-answers.pdf", "application/pdf", 212_992),
                (2, p.tess, "exam-instructions.pdf", "application/pdf", 96_256),
                (4, p.sara, "vlan-report-final.pdf", "application/pdf", 1_337_344),
                (4, p.tom, "feedback.pdf", "application/pdf", 65_536),
            ] {
                let location = format!("files/assignments/{}/{name}", assignments[a].0);
                ins!(tx, counts, FILE, Uuid::now_v7(), assignment_ids[a], Some(by), name, location, Some(mime), Some(size), ago((15 - a as i64) * day));
            }
            for (i, (a, student, cents, currency, status, due)) in invoices.iter().enumerate() {
                ins!(tx, counts, INVOICE, invoice_ids[i], a.map(|a| assignment_ids[a]), *student, *cents, *currency, *status,
                    Some(ahead(due * day)), ago((25 - i as i64) * day));
            }
            for (inv, cents, method, status, days) in [
                (1, 4_500_i64, "card", "succeeded", 7_i64),
                (2, 4_000, "bank_transfer", "succeeded", 5),
                (2, 4_000, "card", "failed", 4),
                (4, 9_900, "wallet", "succeeded", 14),
                (5, 2_500, "card", "refunded", 21),
            ] {
                ins!(tx, counts, PAYMENT, Uuid::now_v7(), invoice_ids[inv], cents, method, status, ago(days * day));
            }
            for (a, code, at, status, who) in [
                (3, "MTG-4QX7KD", ago(3 * day), "completed", [p.sam, p.tom]),
                (3, "MTG-9RB2ZT", ahead(2 * day), "scheduled", [p.sam, p.tom]),
                (2, "MTG-7HN5WC", ahead(9 * day), "scheduled", [p.sid, p.tess]),
            ] {
                let meeting = Uuid::now_v7();
                ins!(tx, counts, MEETING, meeting, assignment_ids[a], code, at, status, ago(10 * day));
                for user in who {
                    ins!(tx, counts, MEETING_PARTICIPANT, meeting, user, ago(10 * day));
                }
            }

            // Every text uses only domain::support::CANNED_VARIABLES (tests/store_support.rs checks).
            for (title, body) in [
                ("Greeting", "Hi {visitor_name}, thanks for contacting Northfield Lab support. I'm {rep_name} and I'll help you today."),
                ("Invoice reminder", "Your invoice, with its amount and due date, is under Support › Invoices once you sign in. You can pay by card or bank transfer; quote {reference} if you write to us."),
                ("Password reset", "I've sent a password reset link to {email}. It expires in 24 hours."),
                ("Closing", "Is there anything else I can help with, {visitor_name}? If not, I'll close this chat. Your reference is {reference}."),
            ] {
                ins!(tx, counts, CANNED, Uuid::now_v7(), title, body, Some(p.sue), ago(30 * day));
            }

            // Visitor queue: sessions first; the converted one gets its thread below.
            for (i, (name, email, phone, subject, status, started, claimed, messages)) in sessions.iter().enumerate() {
                let started_at = ago(*started);
                let at = |k: usize| started_at + minutes(2 * k as i64);
                let last_activity = at(messages.len().saturating_sub(1));
                ins!(tx, counts, SESSION, session_ids[i], reference(i), token_hash(&new_token()), *name, *email, *phone, *subject, *status,
                    claimed.then_some(p.sue), claimed.then(|| at(1)), started_at, last_activity,
                    (*status == "closed").then(|| last_activity + minutes(1)));
                for (k, (sender, content)) in messages.iter().enumerate() {
                    ins!(tx, counts, VISITOR_MESSAGE, Uuid::now_v7(), session_ids[i], *sender, (*sender == "rep").then_some(p.sue), *content, at(k));
                }
            }

            // Threads of every type, with messages, then participants whose read cursor is the
            // last message they sent (never having written means nothing read yet).
            let converted = session_ids[3];
            let mut all_threads: Vec<(ThreadSeed, Option<Uuid>)> = threads.into_iter().map(|t| (t, None)).collect();
            all_threads.push((("Pricing for a summer course", "support", "open", None, None, p.sue, vec![], 2, vec![
                (p.sue, "Opened from visitor chat: Maria Santos (maria.santos@example.net) asks for a Networks Lab summer course quote for 12 people."),
            ]), Some(converted)));
            let mut attachments = Vec::new();
            for (t, ((subject, kind, status, a, inv, by, others, days, messages), session)) in all_threads.into_iter().enumerate() {
                let thread = Uuid::now_v7();
                let created = ago(days * day);
                let last_at = created + minutes(37 * messages.len() as i64);
                ins!(tx, counts, THREAD, thread, subject, kind, status, a.map(|a| assignment_ids[a]), inv.map(|i| invoice_ids[i]), session, Some(by), created, last_at);
                if let Some(session) = session {
                    sqlx::query(CONVERT).bind(thread).bind(session).execute(&mut *tx).await?;
                }
                let mut sent: Vec<(Uuid, Uuid, DateTime<Utc>)> = Vec::new();
                for (k, (sender, content)) in messages.iter().enumerate() {
                    let id = Uuid::now_v7();
                    let at = created + minutes(37 * (k as i64 + 1));
                    ins!(tx, counts, MESSAGE, id, thread, Some(*sender), *content, at);
                    if content.contains("attached") {
                        attachments.push((id, t, at));
                    }
                    sent.push((*sender, id, at));
                }
                for user in std::iter::once(by).chain(others) {
                    let cursor = sent.iter().rev().find(|(s, _, _)| *s == user);
                    ins!(tx, counts, PARTICIPANT, Uuid::now_v7(), thread, user, cursor.map(|c| c.1), cursor.map(|c| c.2), created);
                }
            }
            for (message, t, at) in attachments {
                let (name, mime, size) = match t {
                    0 => ("ssh-timeout.png", "image/png", 48_213_i64),
                    3 => ("essay-outline.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", 22_016),
                    _ => ("bank-receipt.pdf", "application/pdf", 131_072),
                };
                ins!(tx, counts, ATTACHMENT, Uuid::now_v7(), message, name, format!("files/messages/{message}/{name}"), Some(mime), Some(size), at);
            }

            tx.audit(&audit.details(counts.to_json()).message(summary("support", &counts))).await?;
            tx.bump("support").await?;
            tx.commit().await?;
        });
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn references_have_six_digits_and_differ() {
        let refs: Vec<String> = (0..10).map(super::reference).collect();
        for r in &refs {
            assert!(r.starts_with("PS-") && r.len() == 9, "{r}");
        }
        let mut unique = refs.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), refs.len());
    }
}
