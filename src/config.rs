//! Configuration: flags > `LABDECK_*` environment > config file > defaults. A bad file is
//! reported with the file, the key and the line, and labdeck exits without touching anything.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `sqlite:///path/labdeck.db` (default: the platform data dir) or `postgres://…`.
    pub database_url: Option<String>,
    pub log_level: String,
    pub ui: Ui,
    pub auth: Auth,
    pub engine: EngineConfig,
    pub ssh: SshConfig,
    /// Action name → key, e.g. `quit = "q"`; see `labdeck keys` for the actions.
    pub keys: BTreeMap<String, String>,
    /// Colour role → colour name or `#rrggbb`, e.g. `accent = "magenta"`.
    pub colors: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ui {
    /// "dark", "light" or "mono". `NO_COLOR` in the environment forces "mono".
    pub theme: String,
    pub clock: Clock,
    pub bell: bool,
}

/// The status bar's clock: `true` (hours and minutes, the default), `"seconds"`, or `false`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    Off,
    #[default]
    Minutes,
    Seconds,
}

impl Clock {
    /// The clock as the status bar shows it, or nothing.
    pub fn format(self, now: chrono::DateTime<chrono::Local>) -> Option<String> {
        match self {
            Clock::Off => None,
            Clock::Minutes => Some(now.format("%H:%M").to_string()),
            Clock::Seconds => Some(now.format("%H:%M:%S").to_string()),
        }
    }
    /// How long until what it shows changes (the console sleeps that long when idle).
    pub fn next_change(self, now: chrono::DateTime<chrono::Local>) -> Option<std::time::Duration> {
        use chrono::Timelike;
        let into_second = std::time::Duration::from_nanos(u64::from(now.nanosecond() % 1_000_000_000));
        let second = std::time::Duration::from_secs(1).saturating_sub(into_second);
        match self {
            Clock::Off => None,
            Clock::Minutes => Some(second + std::time::Duration::from_secs(u64::from(59 - now.second().min(59)))),
            Clock::Seconds => Some(second),
        }
    }
}

impl Serialize for Clock {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Clock::Off => s.serialize_bool(false),
            Clock::Minutes => s.serialize_bool(true),
            Clock::Seconds => s.serialize_str("seconds"),
        }
    }
}

impl<'de> Deserialize<'de> for Clock {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Clock, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Clock;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("true, false, \"minutes\" or \"seconds\"")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Clock, E> {
                Ok(if v { Clock::Minutes } else { Clock::Off })
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Clock, E> {
                match v {
                    "minutes" => Ok(Clock::Minutes),
                    "seconds" => Ok(Clock::Seconds),
                    "off" => Ok(Clock::Off),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Str(v), &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Auth {
    /// Password hashes computed at once (each takes ~19 MiB).
    pub hash_concurrency: usize,
}

/// `labdeck serve --ssh`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SshConfig {
    /// Let people sign in with their password too (throttled like the console's sign-in);
    /// off: keys only.
    pub password_auth: bool,
    /// The user name that opens the visitor chat (`ssh chat@host`).
    pub chat_user: String,
}

impl Default for SshConfig {
    fn default() -> Self {
        SshConfig { password_auth: false, chat_user: "chat".into() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineConfig {
    /// How often an open console checks the database for changes made elsewhere.
    pub watch_interval_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: None,
            log_level: "info".into(),
            ui: Ui::default(),
            auth: Auth::default(),
            engine: EngineConfig::default(),
            ssh: SshConfig::default(),
            keys: BTreeMap::new(),
            colors: BTreeMap::new(),
        }
    }
}

impl Default for Ui {
    fn default() -> Self {
        Ui { theme: "dark".into(), clock: Clock::Minutes, bell: false }
    }
}

impl Default for Auth {
    fn default() -> Self {
        Auth { hash_concurrency: 2 }
    }
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig { watch_interval_ms: 1000 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: cannot read: {reason}")]
    Read { file: String, reason: String },
    #[error("{file}, line {line}: {key}: {reason}")]
    Invalid { file: String, line: usize, key: String, reason: String },
    #[error("environment variable {var}: {reason}")]
    Env { var: String, reason: String },
}

impl Config {
    /// Load from `path` (a missing file at the default path is fine; a missing file named
    /// with --config is not), then apply `LABDECK_*` variables from `env`.
    pub fn load(path: &Path, explicit: bool, env: &BTreeMap<String, String>) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => String::new(),
            Err(e) => {
                return Err(ConfigError::Read { file: path.display().to_string(), reason: e.to_string() });
            }
        };
        let cfg = Self::parse(&text, path)?;
        cfg.with_env(env)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let cfg: Config = toml::from_str(text).map_err(|e| located(text, path, &e))?;
        cfg.validate().map_err(|(key, reason)| ConfigError::Invalid {
            file: path.display().to_string(),
            line: line_of_key(text, &key),
            key,
            reason,
        })?;
        Ok(cfg)
    }

    /// Overlay `LABDECK_<SECTION>_<KEY>` variables on every scalar key.
    fn with_env(self, env: &BTreeMap<String, String>) -> Result<Config, ConfigError> {
        let mut table = toml::Table::try_from(&self).expect("config serialises");
        let mut touched = false;
        for path in leaf_paths(&toml::Table::try_from(Config::default()).expect("defaults serialise")) {
            let var = format!("LABDECK_{}", path.replace('.', "_").to_uppercase());
            let Some(raw) = env.get(&var) else { continue };
            let value = toml::from_str::<toml::Table>(&format!("v = {raw}"))
                .ok()
                .and_then(|mut t| t.remove("v"))
                .unwrap_or_else(|| toml::Value::String(raw.clone()));
            set_path(&mut table, &path, value);
            touched = true;
        }
        if !touched {
            return Ok(self);
        }
        let cfg: Config = table.try_into().map_err(|e: toml::de::Error| ConfigError::Env {
            var: "LABDECK_*".into(),
            reason: e.message().to_string(),
        })?;
        cfg.validate().map_err(|(key, reason)| ConfigError::Env {
            var: format!("LABDECK_{}", key.replace('.', "_").to_uppercase()),
            reason,
        })?;
        Ok(cfg)
    }

    /// Checks serde cannot express. Returns the offending key and why.
    fn validate(&self) -> Result<(), (String, String)> {
        if !["dark", "light", "mono"].contains(&self.ui.theme.as_str()) {
            return Err(("ui.theme".into(), format!("'{}' is not one of dark, light, mono", self.ui.theme)));
        }
        if !["error", "warn", "info", "debug", "trace"].contains(&self.log_level.as_str()) {
            return Err((
                "log_level".into(),
                format!("'{}' is not one of error, warn, info, debug, trace", self.log_level),
            ));
        }
        if !(1..=16).contains(&self.auth.hash_concurrency) {
            return Err(("auth.hash_concurrency".into(), "must be from 1 to 16".into()));
        }
        if !(100..=60_000).contains(&self.engine.watch_interval_ms) {
            return Err(("engine.watch_interval_ms".into(), "must be from 100 to 60000".into()));
        }
        let chat = &self.ssh.chat_user;
        if chat.is_empty() || chat.len() > 32 || !chat.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
            return Err(("ssh.chat_user".into(), "must be 1 to 32 letters, digits, '.', '_' or '-'".into()));
        }
        if let Some(url) = &self.database_url
            && !(url.starts_with("sqlite:") || url.starts_with("postgres:") || url.starts_with("postgresql:"))
        {
            return Err(("database_url".into(), "must start with sqlite: or postgres://".into()));
        }
        crate::tui::keymap::Keymap::from_config(&self.keys).map_err(|(k, r)| (format!("keys.{k}"), r))?;
        crate::tui::theme::Theme::from_config(&self.ui.theme, &self.colors, false)
            .map_err(|(k, r)| (format!("colors.{k}"), r))?;
        Ok(())
    }
}

fn located(text: &str, path: &Path, e: &toml::de::Error) -> ConfigError {
    let (line, key) = match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            (line, key_at_line(text, line))
        }
        None => (0, String::new()),
    };
    ConfigError::Invalid {
        file: path.display().to_string(),
        line,
        key: if key.is_empty() { "(file)".into() } else { key },
        reason: e.message().trim().to_string(),
    }
}

/// The dotted key defined on `line` (1-based), with its [section].
fn key_at_line(text: &str, line: usize) -> String {
    let mut section = String::new();
    for (i, l) in text.lines().enumerate() {
        let t = l.trim();
        if t.starts_with('[') {
            section = t.trim_matches(|c| c == '[' || c == ']').trim().to_string();
        }
        if i + 1 == line {
            let key = t.split('=').next().unwrap_or("").trim();
            return match (section.is_empty(), key.starts_with('[')) {
                (_, true) => section,
                (true, _) => key.to_string(),
                (false, _) => format!("{section}.{key}"),
            };
        }
    }
    String::new()
}

/// Where a dotted key is defined (0 when it is not in the file).
fn line_of_key(text: &str, dotted: &str) -> usize {
    (1..=text.lines().count()).find(|&n| key_at_line(text, n) == dotted).unwrap_or(0)
}

fn leaf_paths(table: &toml::Table) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in table {
        match v {
            toml::Value::Table(t) => out.extend(leaf_paths(t).into_iter().map(|p| format!("{k}.{p}"))),
            _ => out.push(k.clone()),
        }
    }
    // Optional keys absent from the defaults.
    if !table.contains_key("database_url") && table.contains_key("log_level") {
        out.push("database_url".into());
    }
    out
}

fn set_path(table: &mut toml::Table, path: &str, value: toml::Value) {
    match path.split_once('.') {
        Some((head, rest)) => {
            let entry = table.entry(head).or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(t) = entry {
                set_path(t, rest, value);
            }
        }
        None => {
            table.insert(path.to_string(), value);
        }
    }
}

/// The `LABDECK_*` variables of this process.
pub fn process_env() -> BTreeMap<String, String> {
    std::env::vars().filter(|(k, _)| k.starts_with("LABDECK_")).collect()
}

pub fn default_path() -> PathBuf {
    crate::paths::config_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_example_file_is_valid_and_documents_every_key() {
        let text = include_str!("../config.example.toml");
        let uncommented: String = text
            .lines()
            .map(|l| l.strip_prefix("# ").filter(|r| r.contains(" = ") || r.starts_with('[')).unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        Config::parse(&uncommented, Path::new("config.example.toml")).unwrap();
        for path in leaf_paths(&toml::Table::try_from(Config::default()).unwrap()) {
            let key = path.rsplit('.').next().unwrap();
            assert!(text.contains(&format!("{key} = ")), "config.example.toml lacks {path}");
        }
    }

    #[test]
    fn errors_name_file_key_and_line() {
        let text = "log_level = \"info\"\n[ui]\nclock = \"yes\"\n";
        let err = Config::parse(text, Path::new("c.toml")).unwrap_err().to_string();
        assert!(err.starts_with("c.toml, line 3: ui.clock:"), "{err}");
        assert!(err.contains("\"seconds\""), "the message lists what is accepted: {err}");
        let err = Config::parse("[ui]\ntheme = \"neon\"\n", Path::new("c.toml")).unwrap_err().to_string();
        assert!(err.contains("line 2: ui.theme: 'neon'"), "{err}");
        let err = Config::parse("[ui]\nfoo = 1\n", Path::new("c.toml")).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("foo"), "{err}");
        let err = Config::parse("[keys]\nquit = \"ctrl+\"\n", Path::new("c.toml")).unwrap_err().to_string();
        assert!(err.contains("line 2: keys.quit"), "{err}");
    }

    #[test]
    fn environment_beats_file_and_file_beats_defaults() {
        let file = Config::parse("log_level = \"debug\"\n[ui]\nclock = false\n", Path::new("c")).unwrap();
        assert_eq!(file.log_level, "debug");
        let cfg =
            file.with_env(&env(&[("LABDECK_UI_CLOCK", "true"), ("LABDECK_DATABASE_URL", "sqlite://x.db")])).unwrap();
        assert_eq!(cfg.ui.clock, Clock::Minutes);
        assert_eq!(cfg.log_level, "debug");
        assert_eq!(cfg.database_url.as_deref(), Some("sqlite://x.db"));
        let seconds = Config::default().with_env(&env(&[("LABDECK_UI_CLOCK", "seconds")])).unwrap();
        assert_eq!(seconds.ui.clock, Clock::Seconds);
        assert_eq!(Config::parse("[ui]\nclock = false\n", Path::new("c")).unwrap().ui.clock, Clock::Off);
        let err = Config::default().with_env(&env(&[("LABDECK_UI_THEME", "neon")])).unwrap_err().to_string();
        assert!(err.contains("LABDECK_UI_THEME"), "{err}");
    }
}
