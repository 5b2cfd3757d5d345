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

/// Issue #18: a student builds a topology in the console — creates it, adds two devices picked
/// from the list, links a port of each — sees it drawn, and books all its devices at once.
#[test]
fn a_student_builds_a_topology_links_two_devices_and_books_it_whole() {
    let t = sign_in("student", "sam");
    t.wait_for("classes (");
    t.keys(&[":"]);
    t.text("bookings");
    t.keys(&["Enter"]);
    t.wait_for(" week ");
    // week → day → timeline → devices → bookings → favorites → topologies
    for _ in 0..6 {
        t.keys(&["]"]);
    }
    t.wait_for("Optical ring");
    t.keys(&["n"]);
    t.wait_for("new topology");
    t.text("e2e lab");
    t.keys(&["Enter"]);
    t.wait_for("Topology e2e lab created.");
    t.keys(&["/"]);
    t.text("e2e");
    t.keys(&["Enter"]);
    t.wait_for("topologies (1/3) /e2e");
    t.keys(&["Enter"]);
    t.wait_for("e2e lab · sam · review: draft");
    t.wait_for("no nodes yet");
    // Two nodes, each picked from the device list by its first letter.
    t.keys(&["n"]);
    t.wait_for("add a node to e2e lab");
    t.text("f");
    t.wait_for("‹ fpga-01 (fpga) ›");
    t.keys(&["Enter"]);
    t.wait_for("Added fpga-01 to e2e lab.");
    t.keys(&["n"]);
    t.wait_for("add a node to e2e lab");
    t.text("s");
    t.wait_for("‹ sdr-01 (sdr) ›");
    t.keys(&["Enter"]);
    t.wait_for("Added sdr-01 to e2e lab.");
    t.wait_for("2 node(s), 0 link(s)");
    // + links fpga-01's out port to sdr-01's in port (the defaults), drawn between the boxes.
    t.text("+");
    t.wait_for("link two ports of e2e lab");
    t.keys(&["Enter", "Enter", "Enter"]);
    let drawn = t.wait_for("Linked fpga-01 o");
    let drawn = if drawn.contains("1 link(s)") { drawn } else { t.wait_for("1 link(s)") };
    assert!(drawn.contains("│fpga-01├o31────i132┤sdr-01│"), "the link is drawn with its ports:\n{drawn}");
    // b books both devices in one window, far from the demo's bookings.
    t.keys(&["b"]);
    t.wait_for("book topology e2e lab");
    t.keys(&["C-u"]);
    t.text("2031-01-07 08:00");
    t.keys(&["Tab", "C-u"]);
    t.text("2031-01-07 11:00");
    t.wait_for("✓ free: fpga-01, sdr-01");
    t.keys(&["Enter"]);
    t.wait_for("e2e lab: Booked 2 devices (waiting for approval).");
    t.keys(&["Escape"]);
    t.keys(&["q"]);
    t.wait_for("EXITED:0");
}
