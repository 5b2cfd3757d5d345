//! Running labdeck as installed software: `labdeck init` (first run on a server), `labdeck
//! logs` (where the logs are), and the hidden `labdeck generate man|completions SHELL` that
//! packaging uses to ship a man page and shell completions made from the clap definitions.

use crate::domain::Role;
use crate::domain::rbac::Actor;
use crate::engine::Services;
use crate::engine::accounts::{self, AccountForm};
use crate::{logging, store};
use anyhow::{Context, bail};
use clap::{Args, CommandFactory, Subcommand};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Username of the first admin (asked for when standard input is a terminal)
    #[arg(long, value_name = "USERNAME")]
    pub admin: Option<String>,
    /// The admin's e-mail address
    #[arg(long, default_value = "")]
    pub email: String,
    /// Read the admin's password from standard input (otherwise a temporary one is printed,
    /// to be changed at first sign-in)
    #[arg(long)]
    pub password_stdin: bool,
    /// Replace an existing config file
    #[arg(long)]
    pub force: bool,
}

#[derive(Subcommand, Debug)]
pub enum GenerateCmd {
    /// The man page (roff) on standard output
    Man,
    /// Shell completions on standard output
    Completions { shell: clap_complete::Shell },
}

/// What `init` needs from the command line around it.
pub struct InitContext<'a> {
    pub config_path: &'a Path,
    /// The database URL from --database-url, LABDECK_DATABASE_URL or the config being
    /// replaced, if any.
    pub flag_url: Option<String>,
    pub hash_concurrency: usize,
    pub source: crate::domain::audit::Source,
}

pub async fn init(ctx: InitContext<'_>, args: InitArgs) -> anyhow::Result<()> {
    let path = ctx.config_path;
    if path.exists() && !args.force {
        bail!("{} already exists; edit it, or pass --force to replace it", path.display());
    }
    let interactive = std::io::stdin().is_terminal();
    let url = match ctx.flag_url {
        Some(u) => u,
        None if interactive && args.admin.is_none() => {
            let default = crate::paths::default_database_url();
            let answer = prompt(&format!("database URL [{default}]: "))?;
            if answer.is_empty() { default } else { answer }
        }
        None => crate::paths::default_database_url(),
    };
    let admin = match args.admin {
        Some(a) => a,
        None if interactive => prompt("username of the first admin: ")?,
        None => bail!("pass --admin USERNAME (standard input is not a terminal, so nothing can be asked)"),
    };
    let text = config_text(&url, path)?;

    let svc = Services {
        store: crate::cli::open(&url).await?,
        hasher: crate::engine::Hasher::new(ctx.hash_concurrency),
        source: ctx.source,
    };
    let created = create_admin(&svc, &admin, &args.email, args.password_stdin).await?;

    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    write_private(path, &text).with_context(|| format!("writing {}", path.display()))?;

    println!("wrote {} (database {})", path.display(), store::redact_url(&url));
    match created {
        Created::Admin { username, temporary } => {
            println!("created admin {username}");
            if let Some(p) = temporary {
                println!("temporary password (change it at first sign-in): {p}");
            }
        }
        Created::Nothing { users } => {
            println!("the database already has {users} account(s); no admin created")
        }
    }
    println!("{}", next_steps(&admin));
    Ok(())
}

enum Created {
    Admin { username: String, temporary: Option<String> },
    Nothing { users: i64 },
}

async fn create_admin(svc: &Services, admin: &str, email: &str, password_stdin: bool) -> anyhow::Result<Created> {
    let users = svc.store.count_users().await?;
    if users > 0 {
        return Ok(Created::Nothing { users });
    }
    let plain = if password_stdin { Some(crate::cli::read_password()?) } else { None };
    let actor = Actor::system(&svc.source.label());
    let form = AccountForm { username: admin.to_string(), email: email.to_string(), display_name: String::new() };
    let (user, temporary) = accounts::create_user(svc, &actor, &form, Role::Admin, plain).await?;
    Ok(Created::Admin { username: user.username, temporary })
}

/// The example config with the database URL filled in, checked by the same parser that
/// will read it.
pub fn config_text(url: &str, path: &Path) -> anyhow::Result<String> {
    let example = include_str!("../config.example.toml");
    let quoted = toml::Value::String(url.to_string()).to_string();
    let mut done = false;
    let mut out = String::from("# Written by `labdeck init`.\n");
    for line in example.lines() {
        if !done && line.trim_start().starts_with("# database_url =") {
            out.push_str(&format!("database_url = {quoted}\n"));
            done = true;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !done {
        out = format!("database_url = {quoted}\n{out}");
    }
    crate::config::Config::parse(&out, path)?;
    Ok(out)
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    f.write_all(text.as_bytes())
}

pub fn next_steps(admin: &str) -> String {
    format!(
        "next steps:
  1. add a Proxmox cluster (the first call shows the certificate's SHA-256 fingerprint; compare it, then repeat with --fingerprint):
       labdeck cluster add NAME --host HOST --token-id 'USER@REALM!TOKEN' --token-secret-stdin
  2. start the services: systemctl enable --now labdeck-poll labdeck-serve   (packaged)
       or run `labdeck poll` and `labdeck serve --http 127.0.0.1:8080` under a supervisor
  3. open the console with `labdeck` and sign in as {admin}"
    )
}

fn prompt(question: &str) -> anyhow::Result<String> {
    eprint!("{question}");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().to_string())
}

/// `labdeck logs`: where the logs are, and optionally the end of the newest file.
pub fn logs(dir: &Path, tail: Option<usize>) -> anyhow::Result<()> {
    let files = logging::files(dir).with_context(|| format!("reading {}", dir.display()))?;
    println!("logs: {} (one file a day, the newest {} kept)", dir.display(), logging::KEEP_FILES);
    if files.is_empty() {
        println!("no log files yet");
        return Ok(());
    }
    for f in &files {
        let size = std::fs::metadata(f).map(|m| m.len()).unwrap_or(0);
        println!("  {}  {size} bytes", f.display());
    }
    if let (Some(n), Some(newest)) = (tail, files.last()) {
        let bytes = std::fs::read(newest).with_context(|| format!("reading {}", newest.display()))?;
        let text = String::from_utf8_lossy(&bytes);
        println!("--- last {n} lines of {}", newest.display());
        for line in logging::tail(&text, n) {
            println!("{}", crate::domain::sanitize::line(line));
        }
    }
    Ok(())
}

pub fn generate(cmd: GenerateCmd) -> anyhow::Result<()> {
    let mut command = crate::cli::Cli::command();
    let mut out = std::io::stdout().lock();
    match cmd {
        GenerateCmd::Man => clap_mangen::Man::new(command).render(&mut out)?,
        GenerateCmd::Completions { shell } => clap_complete::generate(shell, &mut command, "labdeck", &mut out),
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_config_sets_the_database_and_parses() {
        let path = Path::new("/etc/labdeck/config.toml");
        let text = config_text("sqlite:///var/lib/labdeck/labdeck.db", path).unwrap();
        let cfg = crate::config::Config::parse(&text, path).unwrap();
        assert_eq!(cfg.database_url.as_deref(), Some("sqlite:///var/lib/labdeck/labdeck.db"));
        // A URL with a quote cannot break out of the TOML string.
        let text = config_text("postgres://u@h/d\"\nlog_level = \"trace", path).unwrap();
        let cfg = crate::config::Config::parse(&text, path).unwrap();
        assert_eq!(cfg.log_level, "info");
    }
}
