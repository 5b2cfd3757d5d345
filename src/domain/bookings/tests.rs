use super::recurrence::{Occurrence, Weekly, plan};
use super::*;
use chrono::{NaiveDate, NaiveTime, TimeZone};
use proptest::prelude::*;

fn t(h: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).single().expect("valid") + Duration::hours(h)
}
fn iv(a: i64, b: i64) -> Interval {
    Interval { start: t(a), end: t(b) }
}

#[test]
fn half_open_intervals_touching_do_not_overlap() {
    assert!(!iv(10, 11).overlaps(&iv(11, 12)));
    assert!(iv(10, 12).overlaps(&iv(11, 13)));
    assert!(iv(10, 13).overlaps(&iv(11, 12)));
    assert_eq!(Interval::new(t(2), t(2)), Err(RuleError::Empty));
    assert_eq!(iv(0, 24 * 40).bookable(), Err(RuleError::TooLong));
}

#[test]
fn capacity_gives_the_lowest_free_slot_and_names_the_blocker() {
    let held = [Held { slot: 0, at: iv(9, 12) }, Held { slot: 1, at: iv(10, 11) }];
    assert_eq!(place(iv(12, 13), 1, DeviceStatus::Available, &held, &[]), Ok(0));
    assert_eq!(place(iv(11, 12), 2, DeviceStatus::Available, &held, &[]), Ok(1));
    assert_eq!(place(iv(10, 11), 2, DeviceStatus::Available, &held, &[]), Err(Blocker::Full { by: iv(9, 12) }));
    assert_eq!(place(iv(10, 11), 3, DeviceStatus::Available, &held, &[]), Ok(2));
    assert_eq!(
        place(iv(20, 21), 1, DeviceStatus::Available, &[], &[iv(18, 22)]),
        Err(Blocker::Maintenance(iv(18, 22)))
    );
    assert_eq!(place(iv(20, 21), 1, DeviceStatus::Faulty, &[], &[]), Err(Blocker::Unavailable(DeviceStatus::Faulty)));
}

#[test]
fn latest_end_stops_at_the_next_booking_on_the_slot_or_maintenance() {
    let held = [Held { slot: 0, at: iv(14, 15) }, Held { slot: 1, at: iv(12, 13) }];
    assert_eq!(latest_end(iv(10, 11), 0, &held, &[]), t(14));
    assert_eq!(latest_end(iv(10, 11), 1, &held, &[]), t(12));
    assert_eq!(latest_end(iv(10, 11), 0, &held, &[iv(13, 20)]), t(13));
    assert_eq!(latest_end(iv(10, 11), 2, &[], &[]), t(10) + MAX_BOOKING);
}

#[test]
fn free_slot_search_jumps_past_busy_devices() {
    let a = DeviceLoad { capacity: 1, held: vec![Held { slot: 0, at: iv(9, 12) }], maintenance: vec![] };
    let b = DeviceLoad { capacity: 1, held: vec![Held { slot: 0, at: iv(12, 14) }], maintenance: vec![iv(15, 16)] };
    let found = find_free(&[a, b], Duration::hours(1), t(9), t(48), Duration::minutes(30));
    assert_eq!(found, Some(iv(14, 15)));
    let none = find_free(&[], Duration::hours(1), t(9), t(48), Duration::minutes(30));
    assert_eq!(none, None);
}

#[test]
fn lanes_put_overlaps_side_by_side() {
    let (l, n) = slots::lanes(&[iv(9, 12), iv(10, 11), iv(11, 13), iv(12, 14)]);
    assert_eq!(n, 2);
    assert_eq!(l, vec![0, 1, 1, 0]);
}

#[test]
fn weekly_recurrence_keeps_local_time_across_dst_and_skips_the_gap() {
    let tz: chrono_tz::Tz = "Europe/Berlin".parse().expect("tz");
    let w = Weekly {
        first_day: NaiveDate::from_ymd_opt(2026, 3, 22).expect("date"),
        start: NaiveTime::from_hms_opt(14, 0, 0).expect("time"),
        length: Duration::hours(2),
        weeks: 2,
        tz,
    };
    let occ = w.occurrences();
    // 22 March is CET (UTC+1), 29 March CEST (UTC+2): same local time, UTC an hour earlier.
    let utc_hours: Vec<u32> = occ
        .iter()
        .map(|o| match o {
            Occurrence::At(_, i) => chrono::Timelike::hour(&i.start),
            Occurrence::NoSuchTime(_) => 99,
        })
        .collect();
    assert_eq!(utc_hours, vec![13, 12]);
    let gap = Weekly {
        first_day: NaiveDate::from_ymd_opt(2026, 3, 29).expect("d"),
        start: NaiveTime::from_hms_opt(2, 30, 0).expect("t"),
        weeks: 1,
        ..w
    };
    assert!(matches!(gap.occurrences()[0], Occurrence::NoSuchTime(_)));
}

#[test]
fn recurrence_lists_skipped_dates_with_reasons() {
    let w = Weekly {
        first_day: NaiveDate::from_ymd_opt(2026, 3, 2).expect("d"),
        start: NaiveTime::from_hms_opt(9, 0, 0).expect("t"),
        length: Duration::hours(1),
        weeks: 3,
        tz: chrono_tz::UTC,
    };
    let busy = iv(24 * 7 + 9, 24 * 7 + 10);
    let (book, skipped) = plan(&w.occurrences(), |at| at.overlaps(&busy).then(|| "taken".to_string()));
    assert_eq!(book.len(), 2);
    assert_eq!(skipped, vec![(NaiveDate::from_ymd_opt(2026, 3, 9).expect("d"), "taken".to_string())]);
}

#[test]
fn approval_limits_bind_approvers_but_not_admins() {
    use super::approval::*;
    use crate::domain::{Role, rbac::Actor};
    let approver = Actor::with_role_defaults(uuid::Uuid::now_v7(), "april", Role::Approver);
    let admin = Actor::with_role_defaults(uuid::Uuid::now_v7(), "ada", Role::Admin);
    let student = Actor::with_role_defaults(uuid::Uuid::now_v7(), "sam", Role::Student);
    let limits = ApprovalLimits::from_json(Some(r#"{"max_hours": 4, "max_devices": 2}"#));
    let owner = student.user_id;
    assert_eq!(may_approve(&approver, &limits, owner, iv(9, 12), 2), Ok(()));
    assert_eq!(
        may_approve(&approver, &limits, owner, iv(9, 15), 1),
        Err(ApprovalError::TooLong { hours: 6, limit: 4 })
    );
    assert_eq!(
        may_approve(&approver, &limits, owner, iv(9, 10), 3),
        Err(ApprovalError::TooMany { devices: 3, limit: 2 })
    );
    assert_eq!(may_approve(&admin, &limits, owner, iv(9, 15), 9), Ok(()));
    assert_eq!(may_approve(&student, &limits, owner, iv(9, 10), 1), Err(ApprovalError::NotApprover(Role::Student)));
    assert_eq!(may_approve(&approver, &limits, approver.user_id, iv(9, 10), 1), Err(ApprovalError::OwnBooking));
    assert!(needs_approval(&student) && !needs_approval(&approver));
    assert_eq!(ApprovalLimits::from_json(Some("not json")), ApprovalLimits::default());
}

#[test]
fn bookers_are_told_who_may_approve_a_booking_over_some_limits() {
    use super::approval::*;
    let limits = |h, d| ApprovalLimits { max_hours: h, max_devices: d };
    let april = Approver { username: "april".into(), admin: false, limits: limits(Some(8), Some(3)) };
    let otto = Approver { username: "otto".into(), admin: false, limits: limits(None, None) };
    let ada = Approver { username: "ada".into(), admin: true, limits: limits(Some(1), None) };
    let all = [april.clone(), otto, ada];
    assert_eq!(april.limits.describe().as_deref(), Some("up to 8 h and 3 devices"));
    assert_eq!(limits(None, None).describe(), None);
    assert_eq!(limit_note(&all, iv(9, 17), 3), None, "within everyone's limits");
    assert_eq!(
        limit_note(&all, iv(9, 19), 2).as_deref(),
        Some(
            "10 h × 2 device(s) is over the approval limits of april up to 8 h and 3 devices: only otto, ada can approve it"
        )
    );
    assert!(limit_note(&[april], iv(9, 10), 4).unwrap().ends_with(": no approver can approve it"));
    assert_eq!(hours(Interval { start: t(9), end: t(9) + Duration::minutes(61) }), 2);
}

#[test]
fn ical_escapes_folds_and_uses_utc() {
    let e = ical::Event {
        uid: "b1@labdeck".into(),
        summary: "Loop; test, \\ with\nnewline".into(),
        description: "ü".repeat(60),
        location: "polatis-01".into(),
        status: BookingStatus::Approved,
        start: t(9),
        end: t(10),
        stamp: t(0),
    };
    let cal = ical::calendar("mine", &[e]);
    assert!(cal.contains("SUMMARY:Loop\\; test\\, \\\\ with\\nnewline\r\n"), "{cal}");
    assert!(cal.contains("DTSTART:20260302T090000Z\r\n"));
    assert!(cal.contains("STATUS:CONFIRMED"));
    for line in cal.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
    }
    let unfolded = cal.replace("\r\n ", "");
    assert!(unfolded.contains(&format!("DESCRIPTION:{}", "ü".repeat(60))));
}

#[test]
fn csv_neutralises_formulas_and_quotes() {
    assert_eq!(csv::cell("=SUM(A1)"), "'=SUM(A1)");
    assert_eq!(csv::cell("@cmd"), "'@cmd");
    assert_eq!(csv::cell("a,b"), "\"a,b\"");
    assert_eq!(csv::cell("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(csv::table(&["a", "b"], &[vec!["1".into(), "+2".into()]]), "a,b\r\n1,'+2\r\n");
}

fn arb_iv() -> impl Strategy<Value = Interval> {
    (0i64..500, 1i64..50).prop_map(|(s, l)| Interval {
        start: t(0) + Duration::minutes(s * 15),
        end: t(0) + Duration::minutes((s + l) * 15),
    })
}

proptest! {
    #[test]
    fn overlap_is_symmetric_and_matches_a_point_check(a in arb_iv(), b in arb_iv()) {
        prop_assert_eq!(a.overlaps(&b), b.overlaps(&a));
        // Overlap iff some 15-minute point lies in both (all bounds are on that grid).
        let mut point = false;
        let mut p = a.start;
        while p < a.end { if b.contains(p) { point = true; } p += Duration::minutes(15); }
        prop_assert_eq!(a.overlaps(&b), point);
    }

    #[test]
    fn placing_greedily_never_double_books_a_slot(wants in prop::collection::vec(arb_iv(), 1..40), cap in 1i64..4) {
        let mut held: Vec<Held> = Vec::new();
        for w in wants {
            if let Ok(slot) = place(w, cap, DeviceStatus::Available, &held, &[]) {
                prop_assert!(slot < cap);
                held.push(Held { slot, at: w });
            } else {
                // Refused only when every slot really has an overlap.
                let busy = (0..cap).filter(|s| held.iter().any(|h| h.slot == *s && h.at.overlaps(&w))).count() as i64;
                prop_assert_eq!(busy, cap);
            }
        }
        for (i, a) in held.iter().enumerate() {
            for b in &held[i + 1..] {
                prop_assert!(!(a.slot == b.slot && a.at.overlaps(&b.at)));
            }
        }
    }

    #[test]
    fn a_found_free_slot_is_really_free(busy in prop::collection::vec(arb_iv(), 0..20), len in 1i64..12) {
        let d = DeviceLoad { capacity: 1, held: busy.iter().map(|&at| Held { slot: 0, at }).collect(), maintenance: vec![] };
        let found = find_free(std::slice::from_ref(&d), Duration::minutes(len * 15), t(0), t(24 * 10), Duration::minutes(15));
        if let Some(f) = found {
            prop_assert!(busy.iter().all(|b| !b.overlaps(&f)));
            // And nothing earlier on the grid was free.
            let mut s = t(0);
            while s < f.start {
                let c = Interval { start: s, end: s + Duration::minutes(len * 15) };
                prop_assert!(busy.iter().any(|b| b.overlaps(&c)));
                s += Duration::minutes(15);
            }
        }
    }

    #[test]
    fn weekly_occurrences_are_a_week_apart_in_local_time(day in 0i64..365, hour in 0u32..24, weeks in 1u32..20) {
        let tz: chrono_tz::Tz = "America/New_York".parse().expect("tz");
        let w = Weekly {
            first_day: NaiveDate::from_ymd_opt(2026, 1, 1).expect("d") + Duration::days(day),
            start: NaiveTime::from_hms_opt(hour, 30, 0).expect("t"),
            length: Duration::hours(1),
            weeks,
            tz,
        };
        let occ = w.occurrences();
        prop_assert_eq!(occ.len(), weeks as usize);
        for (k, o) in occ.iter().enumerate() {
            if let Occurrence::At(d, i) = o {
                prop_assert_eq!(*d, w.first_day + Duration::weeks(k as i64));
                let local = i.start.with_timezone(&tz);
                prop_assert_eq!(local.date_naive(), *d);
                prop_assert_eq!(chrono::Timelike::hour(&local), hour);
            }
        }
    }

    #[test]
    fn ical_lines_never_exceed_75_octets(s in "\\PC{0,300}") {
        let folded = ical::fold(&format!("SUMMARY:{}", ical::escape(&s)));
        for line in folded.split("\r\n") {
            prop_assert!(line.len() <= 75);
        }
        let unfolded = folded.replace("\r\n ", "");
        prop_assert_eq!(unfolded.trim_end_matches("\r\n"), format!("SUMMARY:{}", ical::escape(&s)));
    }
}

#[test]
fn an_ended_booking_cannot_be_cancelled() {
    assert!(may_cancel(iv(9, 10), t(9)).is_ok());
    assert!(may_cancel(iv(9, 10), t(10)).is_err(), "ended exactly now");
    assert!(may_cancel(iv(9, 10), t(11)).is_err());
}

#[test]
fn a_rejection_needs_a_comment() {
    use super::approval::{ApprovalError, decision_comment};
    assert_eq!(decision_comment(false, "  \n "), Err(ApprovalError::NoReason));
    assert_eq!(decision_comment(false, " full "), Ok(Some("full".into())));
    assert_eq!(decision_comment(true, ""), Ok(None));
}
