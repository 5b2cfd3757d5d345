//! Seed 004's support data: ticket threads with read cursors, the visitor chat queue,
//! canned replies, and the tutoring records threads refer to. Reads filter by what the
//! actor may see; writes audit and bump their revision domain in the same transaction.

mod canned;
mod invoices;
mod records;
mod threads;
mod tutoring;
mod visitors;

pub use canned::CannedReply;
pub use invoices::{InvoiceRow, NewInvoice};
pub use records::{NewFile, NewRecord, RecordEdit, RecordRow};
pub use threads::{Attachment, NewAttachment, NewThread, ThreadFilter, ThreadMessage, ThreadRow};
pub use tutoring::{AssignmentRow, NewAssignment, TutoringContext, TutoringItem};
pub use visitors::{VisitorMessage, VisitorSession};

/// Revision domain of the visitor chat (queue, messages, claims).
pub const CHAT: &str = "visitor_chat";
/// Revision domain of threads and their messages.
pub const THREADS: &str = "threads";
/// Revision domain of assignments, invoices and the other tutoring records.
pub const TUTORING: &str = "tutoring";
