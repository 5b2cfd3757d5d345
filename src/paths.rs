//! Where labdeck keeps things: platform directories (XDG on Linux) via `directories`.

use directories::ProjectDirs;
use std::path::PathBuf;

fn dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("org", "labdeck", "labdeck")
}

fn fallback() -> PathBuf {
    std::env::temp_dir().join("labdeck")
}

pub fn config_file() -> PathBuf {
    dirs().map(|d| d.config_dir().join("config.toml")).unwrap_or_else(|| fallback().join("config.toml"))
}

pub fn data_dir() -> PathBuf {
    dirs().map(|d| d.data_dir().to_path_buf()).unwrap_or_else(fallback)
}

/// Logs and other state that is neither config nor data.
pub fn state_dir() -> PathBuf {
    dirs().map(|d| d.state_dir().unwrap_or(d.data_local_dir()).to_path_buf()).unwrap_or_else(fallback)
}

pub fn default_database_url() -> String {
    format!("sqlite://{}", data_dir().join("labdeck.db").display())
}

pub fn demo_database_url() -> String {
    format!("sqlite://{}", data_dir().join("demo.db").display())
}

pub fn log_file() -> PathBuf {
    state_dir().join("labdeck.log")
}
