//! The layers, checked on the sources: the front doors (`src/tui`, `src/http`, `src/ssh`) know the
//! engine and the domain, never the store or the Proxmox client; the domain knows nothing
//! above it. A module that breaks a rule fails here with the file and line.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every line under `dirs` (relative to the crate) that names one of `forbidden`.
fn offenders(dirs: &[&str], forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for d in dirs {
        rust_files(&root.join(d), &mut files);
    }
    assert!(!files.is_empty(), "no sources found under {dirs:?}");
    let mut hits = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (n, line) in text.lines().enumerate() {
            if forbidden.iter().any(|w| line.contains(w)) {
                hits.push(format!("{}:{}: {}", f.strip_prefix(root).unwrap().display(), n + 1, line.trim()));
            }
        }
    }
    hits
}

#[test]
fn the_front_doors_know_neither_the_store_nor_the_proxmox_client() {
    let hits = offenders(&["src/tui", "src/http", "src/ssh"], &["crate::store", "crate::pve"]);
    assert!(hits.is_empty(), "ask the engine instead (engine::read has the records):\n{}", hits.join("\n"));
}

#[test]
fn the_domain_knows_nothing_above_it() {
    let above = ["crate::store", "crate::pve", "crate::engine", "crate::tui", "crate::http", "sqlx::", "reqwest::"];
    let hits = offenders(&["src/domain"], &above);
    assert!(hits.is_empty(), "the domain is types and rules without I/O:\n{}", hits.join("\n"));
}

/// The checker itself finds what it looks for (a test that cannot fail proves nothing).
#[test]
fn the_check_finds_a_forbidden_name() {
    let hits = offenders(&["src/engine"], &["crate::store"]);
    assert!(hits.iter().any(|h| h.starts_with("src/engine/read.rs")), "{hits:?}");
}
