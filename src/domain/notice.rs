//! What a notification says, with no I/O: one kind and one wording per event, so every
//! place that records the event tells the person concerned the same thing. The store writes
//! them in the transaction of the change they tell about.

use super::sanitize;

pub const BOOKING_APPROVED: &str = "booking_approved";
pub const BOOKING_REJECTED: &str = "booking_rejected";
pub const BOOKING_CANCELLED: &str = "booking_cancelled";
pub const CHAT_TRANSFERRED: &str = "chat_transferred";
pub const INVOICE_ISSUED: &str = "invoice_issued";
pub const CLASS_VM_READY: &str = "class_vm_ready";

/// Every kind a notification may have, for the Me tab and the tests.
pub const KINDS: [&str; 6] =
    [BOOKING_APPROVED, BOOKING_REJECTED, BOOKING_CANCELLED, CHAT_TRANSFERRED, INVOICE_ISSUED, CLASS_VM_READY];

/// (title, body) for a decision on a booking: approved or rejected, with the approver's comment.
pub fn booking_decided(title: &str, approved: bool, by: &str, comment: Option<&str>) -> (String, String) {
    let verb = if approved { "approved" } else { "rejected" };
    let head = format!("Booking {verb}: {}", sanitize::line(title));
    let body = match comment.map(sanitize::line).filter(|c| !c.trim().is_empty()) {
        Some(c) => format!("{verb} by {by}: {c}"),
        None => format!("{verb} by {by}"),
    };
    (head, body)
}

/// (title, body) for a booking cancelled by someone other than its owner.
pub fn booking_cancelled(title: &str, by: &str) -> (String, String) {
    (format!("Booking cancelled: {}", sanitize::line(title)), format!("cancelled by {by}"))
}

/// (title, body) for a visitor chat handed to someone.
pub fn chat_transferred(visitor: &str, reference: &str, by: &str) -> (String, String) {
    (format!("Chat transferred to you: {}", sanitize::line(visitor)), format!("{reference}, handed over by {by}"))
}

/// (title, body) for an invoice issued to its student.
pub fn invoice_issued(short_id: &str, amount: &str, due: Option<&str>) -> (String, String) {
    let due = due.map(|d| format!(", due {d}")).unwrap_or_default();
    (format!("Invoice {short_id} issued to you"), format!("{amount}{due}"))
}

/// (title, body) for a class VM given to a student.
pub fn class_vm_ready(class: &str, vm_name: &str, vmid: i64) -> (String, String) {
    (format!("Your VM for {} is ready", sanitize::line(class)), format!("{vm_name} (VMID {vmid})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wording_is_sanitised_and_names_the_event() {
        let (t, b) = booking_decided("lab\x1b[2J", false, "ann", Some("full\x07"));
        assert_eq!(t, "Booking rejected: lab[2J");
        assert_eq!(b, "rejected by ann: full");
        assert_eq!(booking_decided("x", true, "ann", Some("  ")).1, "approved by ann");
        assert_eq!(class_vm_ready("Networks Lab", "nl220-student-01", 4202).1, "nl220-student-01 (VMID 4202)");
        assert_eq!(invoice_issued("1a2b3c", "10.00 EUR", Some("2026-12-24")).1, "10.00 EUR, due 2026-12-24");
    }
}
