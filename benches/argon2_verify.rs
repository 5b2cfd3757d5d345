//! How long one sign-in's password check takes (argon2id, m=19 MiB, t=2, p=1).
//! Run: cargo bench --bench argon2_verify

use labdeck::domain::password;
use std::time::Instant;

fn main() {
    let stored = password::hash("correct horse battery staple");
    assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    let mut times: Vec<f64> = (0..30)
        .map(|_| {
            let t = Instant::now();
            assert!(password::verify("correct horse battery staple", &stored));
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "argon2id verify (m=19456 KiB, t=2, p=1), 30 runs: median {:.1} ms, min {:.1} ms, max {:.1} ms",
        times[15], times[0], times[29]
    );
}
