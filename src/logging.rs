//! Logs go to files in the state directory, never to the terminal the console draws on.
//!
//! The file rotates daily (`labdeck.YYYY-MM-DD.log`, the newest `KEEP_FILES` kept) and is
//! written by a background thread (tracing-appender's non-blocking writer): a log line costs
//! the UI thread a channel send, never a disk write; when the writer falls behind, lines are
//! dropped rather than the UI waiting.

use std::path::{Path, PathBuf};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::EnvFilter;

/// How many daily files are kept; older ones are deleted when the log rotates.
pub const KEEP_FILES: usize = 7;
const PREFIX: &str = "labdeck";
const SUFFIX: &str = "log";

/// Start logging into `dir`. Keep the guard for the life of the process: dropping it flushes
/// the lines still queued.
pub fn init(dir: &Path, level: &str) -> std::io::Result<WorkerGuard> {
    std::fs::create_dir_all(dir)?;
    let appender = Builder::new()
        .rotation(Rotation::DAILY)
        .filename_prefix(PREFIX)
        .filename_suffix(SUFFIX)
        .max_log_files(KEEP_FILES)
        .build(dir)
        .map_err(std::io::Error::other)?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter =
        EnvFilter::try_from_env("LABDECK_LOG").unwrap_or_else(|_| EnvFilter::new(format!("labdeck={level},warn")));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).with_writer(writer).try_init();
    Ok(guard)
}

/// The log files in `dir`, oldest first (the date in the name sorts them).
pub fn files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.starts_with(&format!("{PREFIX}.")) && name.ends_with(&format!(".{SUFFIX}")) && path.is_file() {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// The last `n` lines of `text`.
pub fn tail(text: &str, n: usize) -> Vec<&str> {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_takes_the_last_lines() {
        assert_eq!(tail("a\nb\nc\n", 2), vec!["b", "c"]);
        assert_eq!(tail("a\n", 5), vec!["a"]);
        assert!(tail("", 3).is_empty());
    }

    #[test]
    fn files_lists_only_log_files_in_date_order() {
        let dir = crate::store::testing::TempDir::new();
        for name in ["labdeck.2026-12-07.log", "labdeck.2026-12-05.log", "other.txt", "labdeck.db"] {
            std::fs::write(dir.path.join(name), "x").unwrap();
        }
        let names: Vec<String> =
            files(&dir.path).unwrap().iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["labdeck.2026-12-05.log", "labdeck.2026-12-07.log"]);
        assert!(files(&dir.path.join("missing")).unwrap().is_empty());
    }
}
