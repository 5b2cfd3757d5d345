//! The conflict check against 1M bookings (1,000 devices × 1,000 bookings each, a year of
//! history), on SQLite and, when LABDECK_TEST_POSTGRES_URL is set, on PostgreSQL. Also a
//! whole guarded booking (check, place, insert past the database's guard, audit, commit)
//! and the calendar's week load for 1,000 devices.
//! Run: LABDECK_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test cargo bench --bench bookings_conflict
//! (LABDECK_BENCH_BOOKINGS=100000 for a quicker run.)

use chrono::{DateTime, Duration, TimeZone, Utc};
use labdeck::domain::Role;
use labdeck::domain::audit::{Entry, Source};
use labdeck::domain::bookings::Interval;
use labdeck::domain::rbac::Actor;
use labdeck::store::Store;
use labdeck::store::bookings::NewGroup;
use std::time::Instant;
use uuid::Uuid;

const DEVICES: i64 = 1000;

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("valid date")
}

/// SQLite's guard triggers, re-created after the bulk load (they check each row inserted;
/// the generated history does not overlap by construction).
fn sqlite_triggers() -> Vec<String> {
    let sql = include_str!("../migrations/sqlite/0004_bookings.sql");
    sql.split("CREATE TRIGGER")
        .skip(1)
        .map(|t| format!("CREATE TRIGGER{}END;", t.split("END;").next().unwrap_or("")))
        .collect()
}

async fn seed(store: &Store, rows: i64) -> (Actor, Vec<Uuid>) {
    let user = Uuid::now_v7();
    let group = Uuid::now_v7();
    let now = base();
    let devices: Vec<Uuid> = (0..DEVICES).map(|_| Uuid::now_v7()).collect();
    let per = rows / DEVICES;
    // Bookings every 8 hours, 2 hours long: `per` of them per device.
    match store {
        Store::Sqlite(p) => {
            sqlx::query("INSERT INTO users (id, username, display_name, password_hash, role, created_at, updated_at) VALUES ($1, 'bench', 'Bench', 'x', 'admin', $2, $2)")
                .bind(user).bind(now).execute(p).await.unwrap();
            sqlx::query("INSERT INTO booking_groups (id, owner_id, title, status, created_at, updated_at) VALUES ($1, $2, 'bench', 'approved', $3, $3)")
                .bind(group).bind(user).bind(now).execute(p).await.unwrap();
            let mut tx = p.begin().await.unwrap();
            for (i, d) in devices.iter().enumerate() {
                sqlx::query("INSERT INTO devices (id, device_type, name, out_port, in_port, capacity, created_at, updated_at) VALUES ($1, 'router', $2, 1, 1, 1, $3, $3)")
                    .bind(d).bind(format!("dev-{i:04}")).bind(now).execute(&mut *tx).await.unwrap();
            }
            sqlx::query("CREATE TEMP TABLE bench_dev (n INTEGER PRIMARY KEY, id BLOB)")
                .execute(&mut *tx)
                .await
                .unwrap();
            for (i, d) in devices.iter().enumerate() {
                sqlx::query("INSERT INTO bench_dev (n, id) VALUES ($1, $2)")
                    .bind(i as i64)
                    .bind(d)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            }
            sqlx::query("DROP TRIGGER bookings_guard_ins").execute(&mut *tx).await.unwrap();
            sqlx::query(
                "WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < $1 - 1) \
                 INSERT INTO bookings (id, group_id, device_id, user_id, starts_at, ends_at, status, slot, created_at, updated_at) \
                 SELECT randomblob(16), $2, (SELECT d.id FROM bench_dev d WHERE d.n = k.i % $4), $3, \
                   strftime('%Y-%m-%dT%H:%M:%S+00:00', '2026-01-01', '+' || ((k.i / $4) * 8) || ' hours'), \
                   strftime('%Y-%m-%dT%H:%M:%S+00:00', '2026-01-01', '+' || ((k.i / $4) * 8 + 2) || ' hours'), \
                   'approved', 0, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00' \
                 FROM k",
            )
            .bind(per * DEVICES).bind(group).bind(user).bind(DEVICES).execute(&mut *tx).await.unwrap();
            for t in sqlite_triggers().into_iter().filter(|t| t.contains("bookings_guard_ins")) {
                sqlx::query(sqlx::AssertSqlSafe(t)).execute(&mut *tx).await.unwrap();
            }
            tx.commit().await.unwrap();
            // No ANALYZE: the console never runs it, and statistics taken now (one user, one
            // group) would go stale with the bookings written below.
        }
        Store::Postgres(p) => {
            sqlx::query("INSERT INTO users (id, username, display_name, password_hash, role, created_at, updated_at) VALUES ($1, 'bench', 'Bench', 'x', 'admin', $2, $2)")
                .bind(user).bind(now).execute(p).await.unwrap();
            sqlx::query("INSERT INTO booking_groups (id, owner_id, title, status, created_at, updated_at) VALUES ($1, $2, 'bench', 'approved', $3, $3)")
                .bind(group).bind(user).bind(now).execute(p).await.unwrap();
            sqlx::query("INSERT INTO devices (id, device_type, name, out_port, in_port, capacity, created_at, updated_at) \
                 SELECT x, 'router', 'dev-' || lpad((n - 1)::text, 4, '0'), 1, 1, 1, $2, $2 FROM unnest($1::uuid[]) WITH ORDINALITY AS u(x, n)")
                .bind(&devices).bind(now).execute(p).await.unwrap();
            // The exclusion constraint and the guard trigger stay on: PostgreSQL checks every row.
            sqlx::query(
                "INSERT INTO bookings (id, group_id, device_id, user_id, starts_at, ends_at, status, slot, created_at, updated_at) \
                 SELECT gen_random_uuid(), $2, d.x, $3, timestamptz '2026-01-01 00:00+00' + ((k / $4) * 8) * interval '1 hour', \
                   timestamptz '2026-01-01 00:00+00' + ((k / $4) * 8 + 2) * interval '1 hour', 'approved', 0, $5, $5 \
                 FROM generate_series(0, $1 - 1) AS k JOIN unnest($6::uuid[]) WITH ORDINALITY AS d(x, n) ON d.n - 1 = k % $4",
            )
            .bind(per * DEVICES).bind(group).bind(user).bind(DEVICES).bind(now).bind(&devices).execute(p).await.unwrap();
            sqlx::query("ANALYZE").execute(p).await.unwrap();
        }
    }
    let actor = Actor::with_role_defaults(user, "bench", Role::Admin);
    (actor, devices)
}

fn stats(name: &str, mut v: Vec<f64>) {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    println!("  {name}: median {:.3} ms, p99 {:.3} ms, max {:.3} ms ({} runs)", at(0.5), at(0.99), at(1.0), v.len());
}

async fn bench(name: &str, store: Store, rows: i64) {
    let t = Instant::now();
    let (actor, devices) = seed(&store, rows).await;
    let count: i64 =
        labdeck::on_pool!(&store, p => sqlx::query_scalar("SELECT count(*) FROM bookings").fetch_one(p).await.unwrap());
    println!("{name}: {count} bookings on {DEVICES} devices, seeded in {:.1} s", t.elapsed().as_secs_f64());
    let per = rows / DEVICES;
    let span_hours = per * 8;
    // Windows spread over the history: half land on a booking, half in a gap.
    let mut times = Vec::new();
    for i in 0..2000i64 {
        let d = devices[(i * 7919 % DEVICES) as usize];
        let start = base() + Duration::hours((i * 104_729) % span_hours.max(1)) + Duration::minutes(30);
        let at = Interval { start, end: start + Duration::hours(1) };
        let t = Instant::now();
        let rows = store.conflicts(&actor, &[d], at, None).await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(rows);
    }
    stats("conflict check, one device", times);
    let mut times = Vec::new();
    for i in 0..300i64 {
        let ds: Vec<Uuid> = (0..5).map(|k| devices[((i * 31 + k * 197) % DEVICES) as usize]).collect();
        let start = base() + Duration::hours((i * 7) % span_hours.max(1)) + Duration::minutes(15);
        let t = Instant::now();
        std::hint::black_box(
            store.conflicts(&actor, &ds, Interval { start, end: start + Duration::hours(3) }, None).await.unwrap(),
        );
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    stats("conflict check, group of 5 devices", times);
    // Whole bookings in gaps of the history: rules, slot, insert past the guards, audit.
    let mut times = Vec::new();
    for i in 0..300i64 {
        let d = devices[((i * 37) % DEVICES) as usize];
        let start = base() + Duration::hours(((i * 13) % (per.max(2) - 1)) * 8 + 3);
        let g = NewGroup {
            owner: actor.user_id,
            title: "bench".into(),
            devices: vec![d],
            at: Interval { start, end: start + Duration::hours(2) },
            collaborators: vec![],
            comment: None,
            approved: true,
        };
        let t = Instant::now();
        store.create_group(&g, Entry::by(&actor, &Source::Engine, "book", "booking_group")).await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    stats("booking written (check + guard + audit + commit)", times);
    let mut times = Vec::new();
    for w in 0..20i64 {
        let from = base() + Duration::weeks(w * 2);
        let t = Instant::now();
        let cal = store.calendar(&actor, from - Duration::days(1), from + Duration::days(9)).await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(cal);
    }
    stats("calendar load, 10 days × 1,000 devices", times);
}

fn main() {
    let rows: i64 = std::env::var("LABDECK_BENCH_BOOKINGS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async {
        let (sqlite, _dir) = labdeck::store::testing::sqlite().await.expect("sqlite");
        bench("SQLite", sqlite, rows).await;
        match labdeck::store::testing::postgres().await.expect("postgres") {
            Some(pg) => bench("PostgreSQL", pg, rows).await,
            None => println!("PostgreSQL: skipped (set {})", labdeck::store::testing::POSTGRES_URL_VAR),
        }
    });
}
