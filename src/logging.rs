//! Logs go to a file in the state directory, never to the terminal the console draws on.

use std::fs::OpenOptions;
use std::path::Path;
use std::sync::Mutex;
use tracing_subscriber::EnvFilter;

pub fn init(path: &Path, level: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let file = OpenOptions::new().create(true).append(true).open(path)?;
    let filter =
        EnvFilter::try_from_env("LABDECK_LOG").unwrap_or_else(|_| EnvFilter::new(format!("labdeck={level},warn")));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).with_writer(Mutex::new(file)).try_init();
    Ok(())
}
