//! Bookings in a real terminal: a student books two devices as one group from the week
//! view; another student who then tries an overlapping slot is warned before saving, and
//! the database refuses it if they insist.

mod common;

use common::tmux::{demo_password, sign_in};

#[test]
fn group_booking_in_the_week_view_then_a_conflict_warning_for_someone_else() {
    let t = sign_in("student", "sam");
    // The palette opens Bookings: the week view with every device as a lane.
    t.wait_for("classes (");
    t.keys(&[":"]);
    t.text("bookings");
    t.keys(&["Enter"]);
    t.wait_for(" week ");
    t.wait_for("edge-sw-02");
    t.keys(&["Space", "Space", "n"]);
    t.wait_for("book edge-sw-01, edge-sw-02");
    t.wait_for("✓ free: edge-sw-01, edge-sw-02");
    t.text("group test");
    // Enter submits from any field (issue 14 #8).
    t.keys(&["Enter"]);
    t.wait_for("Booked 2 devices (waiting for approval).");
    let week = t.wait_for("08:00-09:00 sam");
    assert_eq!(week.matches("08:00-09:00 sam").count(), 2, "both devices show the group:\n{week}");

    // Another student, same database: the overlap is shown before anything is saved.
    t.keys(&[":"]);
    t.text("signout");
    t.keys(&["Enter"]);
    let gate = t.wait_for("demo accounts");
    let password = demo_password(&gate, "student", "sid");
    t.text("sid");
    t.keys(&["Tab"]);
    t.text(&password);
    t.keys(&["Enter"]);
    t.wait_for("classes (");
    t.keys(&[":"]);
    t.text("bookings");
    t.keys(&["Enter"]);
    t.wait_for("edge-sw-02");
    t.keys(&["Space", "n"]);
    t.wait_for("⚠ conflict: edge-sw-01 booked by sam 08:00–09:00");
    t.keys(&["Enter"]);
    t.wait_for("conflict — edge-sw-01: booked");
    t.keys(&["Escape"]);
    t.keys(&["q"]);
    t.wait_for("EXITED:0");
}
