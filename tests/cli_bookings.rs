//! `labdeck bookings export` on a seeded database: valid iCalendar and safe CSV for a user,
//! a device or everything; bad input gets one clear message and a failure exit code.

use std::process::{Command, Output};

fn labdeck(home: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_labdeck"))
        .args(args)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("LABDECK_DATABASE_URL")
        .output()
        .unwrap()
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "stderr: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    assert!(!o.status.success(), "expected a failure; stdout: {}", String::from_utf8_lossy(&o.stdout));
    String::from_utf8_lossy(&o.stderr).trim().to_string()
}

#[test]
fn bookings_export_as_ical_and_csv() {
    let home = labdeck::store::testing::TempDir::new();
    let h = &home.path;
    let db = format!("sqlite://{}/t.db", h.display());
    ok(&labdeck(h, &["--database-url", &db, "demo", "--seed-only"]));

    let ics = ok(&labdeck(h, &["--database-url", &db, "bookings", "export", "--ics", "--mine", "--user", "sam"]));
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"), "{ics}");
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
    assert!(ics.contains("X-WR-CALNAME:sam's bookings"));
    let events = ics.matches("BEGIN:VEVENT").count();
    assert!(events > 0, "sam has bookings in the demo");
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "folded at 75 octets: {line}");
        if let Some(t) = line.strip_prefix("DTSTART:") {
            assert!(t.ends_with('Z') && t.len() == 16, "UTC: {t}");
        }
    }
    let all = ok(&labdeck(h, &["--database-url", &db, "bookings", "export", "--ics", "--all"]));
    assert!(all.matches("BEGIN:VEVENT").count() > events, "everyone's is more than sam's");
    let device = ok(&labdeck(h, &["--database-url", &db, "bookings", "export", "--ics", "--device", "polatis-01"]));
    assert!(device.contains("LOCATION:polatis-01") && !device.contains("LOCATION:srv-"), "{device}");

    let out = h.join("all.csv");
    let o = labdeck(h, &["--database-url", &db, "bookings", "export", "--csv", "--all", "-o", out.to_str().unwrap()]);
    assert!(err_free(&o).contains("wrote"));
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.starts_with("booking,group,device,user,title,status,starts_utc,ends_utc,comment\r\n"), "{csv}");
    assert_eq!(csv.lines().count() - 1, all.matches("BEGIN:VEVENT").count());

    let e = err(&labdeck(h, &["--database-url", &db, "bookings", "export", "--ics", "--device", "nope"]));
    assert_eq!(e, "labdeck: no device named 'nope'");
    let e = err(&labdeck(h, &["--database-url", &db, "bookings", "export", "--ics", "--all", "--user", "sue"]));
    assert!(e.contains("permission denied"), "support may not read bookings: {e}");
    let e = err(&labdeck(h, &["--database-url", &db, "bookings", "export", "--ics", "--mine"]));
    assert!(e.contains("--user"), "{e}");
}

fn err_free(o: &Output) -> String {
    assert!(o.status.success(), "stderr: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn topologies_as_text() {
    let home = labdeck::store::testing::TempDir::new();
    let h = &home.path;
    let db = format!("sqlite://{}/t.db", h.display());
    ok(&labdeck(h, &["--database-url", &db, "demo", "--seed-only"]));
    let list = ok(&labdeck(h, &["--database-url", &db, "bookings", "topologies", "--user", "sam"]));
    assert!(list.contains("Optical ring") && list.contains("submitted"), "{list}");
    let ring = ok(&labdeck(h, &["--database-url", &db, "bookings", "topology", "Optical ring"]));
    assert!(ring.contains("node  polatis-01  out 1, in 97"), "{ring}");
    assert!(ring.contains("link  polatis-01 o1 ── i"), "{ring}");
    let core = ok(&labdeck(h, &["--database-url", &db, "bookings", "topology", "Campus core"]));
    assert!(core.contains("node  Internet uplink  not a device"), "{core}");
    let e = err(&labdeck(h, &["--database-url", &db, "bookings", "topology", "nope"]));
    assert_eq!(e, "labdeck: no topology named 'nope'");
}
