//! The command line: parse, load config, open the store, then hand over to the console or
//! run one scripted command.

use crate::config::Config;
use crate::domain::audit::{Entry, Source};
use crate::domain::rbac::Actor;
use crate::domain::user::UserStatus;
use crate::domain::{Role, password};
use crate::engine::accounts::{self, AccountForm};
use crate::engine::{Hasher, Services, admin};
use crate::store::{ConnectOptions, Store};
use crate::tui::keymap::{Action, Keymap};
use crate::tui::screens::gate::DemoAccount;
use crate::tui::theme::Theme;
use crate::{demo, logging, paths, tui};
use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(name = "labdeck", version, about = "A terminal console for teaching labs and small clouds")]
pub struct Cli {
    /// Config file (default: the platform config dir's labdeck/config.toml)
    #[arg(long, global = true, env = "LABDECK_CONFIG")]
    pub config: Option<PathBuf>,
    /// sqlite:///path/file.db or postgres://user@host/db
    #[arg(long, global = true, env = "LABDECK_DATABASE_URL")]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Open the console on a fresh demo database with seeded data
    Demo {
        /// Seed the database and print the accounts, without opening the console
        #[arg(long)]
        seed_only: bool,
        /// Guests in the built-in Proxmox simulator (up to 100000)
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(0..=100_000))]
        guests: u32,
    },
    /// Database maintenance
    Db {
        #[command(subcommand)]
        command: DbCmd,
    },
    /// Manage accounts from scripts
    User {
        #[command(subcommand)]
        command: UserCmd,
    },
    /// Accept an invitation code and create your account
    Accept {
        code: String,
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "")]
        email: String,
        #[arg(long, default_value = "")]
        name: String,
        /// Read the password from the first line of standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// Join a class with the code your teacher sent (signs you in first; the password is
    /// read from standard input)
    Join {
        code: String,
        /// Your labdeck username (default: your login name)
        #[arg(long, env = "USER")]
        username: String,
    },
    /// List the console's actions and their keys
    Keys,
    /// Run the Proxmox VE simulator in the foreground (prints URL, fingerprint and token)
    Sim {
        /// Nodes (pve1, pve2, …; 1–1000)
        #[arg(long, default_value_t = 3)]
        nodes: usize,
        /// Guests to generate (0–100000)
        #[arg(long, default_value_t = 30)]
        guests: usize,
        /// Address to listen on
        #[arg(long, default_value = "127.0.0.1:8006")]
        bind: std::net::SocketAddr,
        /// Base duration of a task in seconds (0–3600)
        #[arg(long, default_value_t = 3.0, allow_hyphen_values = true)]
        task_secs: f64,
        /// Switch a fault on (repeatable): 500, 503, 401 (every request fails with it),
        /// bad-json (bodies cut in half), hang (no answers), latency=MS, node-offline (the
        /// last node), cert-change (a new certificate: the printed fingerprint no longer
        /// matches), no-node-rows (/cluster/resources without node rows), no-privilege (a
        /// token without VM.Audit: no guests listed), node-vanishes (the last node and its
        /// guests leave every answer). At run time: POST /_sim/fault with fault=NAME (or
        /// fault=clear) on the same server, with the token's Authorization header; GET
        /// /_sim/fault lists what is on.
        #[arg(long = "fault", value_name = "FAULT", value_parser = crate::pve::sim::Fault::parse)]
        faults: Vec<crate::pve::sim::Fault>,
    },
    /// Poll the Proxmox clusters without a console (for a host that only keeps the
    /// inventory fresh); stops on Ctrl-C or SIGTERM and hands its leases back
    Poll,
    /// Serve the visitor chat page and its JSON API
    Serve(crate::cli_serve::ServeArgs),
    /// Proxmox clusters, for scripts
    Cluster {
        #[command(subcommand)]
        command: crate::cli_vm::ClusterCmd,
    },
    /// Guests of every cluster, for scripts
    Vm {
        #[command(subcommand)]
        command: crate::cli_vm::VmCmd,
    },
    /// Infrastructure records: labdeck infra KIND list|show|create|update|delete …
    Infra(crate::cli_infra::InfraArgs),
    /// Device bookings: export as iCalendar or CSV
    Bookings {
        #[command(subcommand)]
        command: crate::cli_bookings::BookingsCmd,
    },
    /// The key that seals the Proxmox token secrets: status, rotation
    Secrets {
        #[command(subcommand)]
        command: crate::cli_secrets::SecretsCmd,
    },
    /// First run on a server: write a config (database URL), create the first admin, print
    /// the next steps
    Init(crate::cli_ops::InitArgs),
    /// Where the log files are; --tail N prints the end of the newest
    Logs {
        #[arg(long, value_name = "LINES")]
        tail: Option<usize>,
    },
    /// A man page or shell completions from these definitions (for packagers)
    #[command(hide = true)]
    Generate {
        #[command(subcommand)]
        what: crate::cli_ops::GenerateCmd,
    },
}

impl Cmd {
    /// Commands that run until stopped (the console, the servers, the poller) rather than
    /// print something and exit.
    fn runs_until_stopped(&self) -> bool {
        matches!(self, Cmd::Sim { .. } | Cmd::Poll | Cmd::Serve(_) | Cmd::Demo { seed_only: false, .. })
    }
}

#[derive(Subcommand, Debug)]
pub enum DbCmd {
    /// Apply pending migrations
    Migrate,
    /// Show the backend and each migration's state
    Status,
}

#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Create an account (without --password-stdin a temporary password is printed)
    Add {
        username: String,
        #[arg(long, default_value = "student")]
        role: String,
        #[arg(long, default_value = "")]
        email: String,
        #[arg(long, default_value = "")]
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts
    List {
        #[arg(long)]
        json: bool,
    },
    /// Set a password (without --password-stdin a temporary one is printed)
    Passwd {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Lock an account
    Lock { username: String },
    /// Unlock an account
    Unlock { username: String },
    /// SSH keys that sign in to `labdeck serve --ssh`
    Key {
        #[command(subcommand)]
        command: crate::cli_keys::KeyCmd,
    },
}

pub fn main() -> ExitCode {
    crate::mem::limit_arenas();
    paths::private_umask();
    let cli = Cli::parse();
    if cli.command.as_ref().is_some_and(|c| !c.runs_until_stopped()) {
        // `labdeck keys | head`: a reader that goes away ends a printing command quietly, as
        // it ends `ls` or `cat`, instead of a "failed printing to stdout" panic (exit 101).
        // Sockets are unaffected (Rust sends with MSG_NOSIGNAL); the console and the servers
        // keep SIGPIPE ignored.
        // SAFETY: restores the default disposition before any other thread exists.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("labdeck: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("labdeck: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let (config_path, explicit) = match &cli.config {
        Some(p) => (p.clone(), true),
        None => (paths::config_file(), false),
    };
    // Packaging runs `generate` on build machines: no config or logs needed (or wanted).
    if let Some(Cmd::Generate { what }) = cli.command {
        return crate::cli_ops::generate(what);
    }
    // `init` writes the file --config names, so that file need not exist yet.
    let explicit = explicit && !matches!(cli.command, Some(Cmd::Init(_)));
    let config = Config::load(&config_path, explicit, &crate::config::process_env())?;
    let log_file = paths::log_dir();
    let _log_guard = match logging::init(&log_file, &config.log_level) {
        Ok(guard) => Some(guard),
        Err(e) => {
            eprintln!("labdeck: logging disabled ({}: {e})", log_file.display());
            None
        }
    };
    let keymap = Keymap::from_config(&config.keys).map_err(|(k, r)| anyhow::anyhow!("keys.{k}: {r}"))?;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = Theme::from_config(&config.ui.theme, &config.colors, no_color)
        .map_err(|(k, r)| anyhow::anyhow!("colors.{k}: {r}"))?;
    let flag_url = cli.database_url.clone();
    let url = flag_url.clone().or(config.database_url.clone()).unwrap_or_else(paths::default_database_url);

    match cli.command {
        Some(Cmd::Sim { nodes, guests, bind, task_secs, faults }) => {
            Ok(crate::pve::sim::cli::run(nodes, guests, bind, task_secs, &faults).await?)
        }
        Some(Cmd::Generate { what }) => crate::cli_ops::generate(what),
        Some(Cmd::Logs { tail }) => crate::cli_ops::logs(&log_file, tail),
        Some(Cmd::Init(args)) => {
            let ctx = crate::cli_ops::InitContext {
                config_path: &config_path,
                flag_url: flag_url.or(config.database_url.clone()),
                hash_concurrency: config.auth.hash_concurrency,
                source: cli_source(),
            };
            crate::cli_ops::init(ctx, args).await
        }
        Some(Cmd::Keys) => {
            for &a in Action::ALL {
                println!("{:<16} {:<22} {}", a.name(), keymap.keys_label(a), a.help());
            }
            Ok(())
        }
        Some(Cmd::Demo { seed_only, guests }) => {
            let url = match flag_url.or(config.database_url.clone()) {
                Some(u) => u,
                None => fresh_demo_file()?,
            };
            let store = open(&url).await?;
            let svc = services(&store, cli_source(), config.auth.hash_concurrency);
            let accounts = demo::seed(&svc).await.context("seeding the demo data")?;
            print_accounts(&accounts, &url);
            if seed_only {
                return Ok(());
            }
            // The demo's Proxmox: the simulator, in this process, for as long as the console runs.
            let sim = crate::engine::demo_sim::start(&svc, guests as usize)
                .await
                .context("starting the Proxmox simulator")?;
            let opts = run_options(keymap, theme, accounts, &config, log_file);
            let result = tui::run(services(&store, local_source(), config.auth.hash_concurrency), opts).await;
            sim.shutdown();
            result
        }
        Some(Cmd::Poll) => {
            let store = open(&url).await?;
            let svc = services(&store, Source::Engine, config.auth.hash_concurrency);
            let opts = crate::engine::EngineOptions { watch_every: Duration::from_secs(3600), pollers: true };
            let (engine, _events) = crate::engine::Engine::start(svc, opts);
            println!("polling; Ctrl-C or SIGTERM stops");
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            engine.shutdown().await;
            Ok(())
        }
        Some(Cmd::Serve(args)) => {
            let store = open(&url).await?;
            let ctx = crate::cli_serve::ServeContext {
                keymap,
                theme,
                clock: config.ui.clock,
                watch_every: Duration::from_millis(config.engine.watch_interval_ms),
                ssh: config.ssh.clone(),
            };
            crate::cli_serve::run(services(&store, Source::Engine, config.auth.hash_concurrency), args, ctx).await
        }
        Some(Cmd::Cluster { command }) => {
            let store = open(&url).await?;
            let svc = services(&store, cli_source(), config.auth.hash_concurrency);
            crate::cli_vm::cluster(&svc, command, read_password).await
        }
        Some(Cmd::Vm { command }) => {
            let store = open(&url).await?;
            crate::cli_vm::run(&services(&store, cli_source(), config.auth.hash_concurrency), command).await
        }
        Some(Cmd::Infra(args)) => {
            let store = open(&url).await?;
            crate::cli_infra::run(&services(&store, cli_source(), config.auth.hash_concurrency), args).await
        }
        Some(Cmd::Bookings { command }) => {
            let store = open(&url).await?;
            crate::cli_bookings::run(&services(&store, cli_source(), config.auth.hash_concurrency), command).await
        }
        Some(Cmd::Secrets { command }) => crate::cli_secrets::run(&open(&url).await?, cli_source(), command).await,
        Some(Cmd::Db { command }) => {
            let store = connect(&url).await?;
            if let DbCmd::Migrate = command {
                store.migrate().await?;
                store.sync_permissions().await?;
                println!("migrated {}", crate::store::redact_url(&url));
            }
            let report = store.schema_status().await?;
            println!("backend: {}  database: {}", report.backend, crate::store::redact_url(&url));
            for m in &report.migrations {
                println!("  {:>4}  {:<8} {}", m.version, if m.applied { "applied" } else { "pending" }, m.description);
            }
            for v in &report.unknown {
                println!("  {v:>4}  unknown  (written by a newer labdeck)");
            }
            Ok(())
        }
        Some(Cmd::User { command }) => {
            let store = open(&url).await?;
            user_command(&services(&store, cli_source(), config.auth.hash_concurrency), command).await
        }
        Some(Cmd::Accept { code, username, email, name, password_stdin }) => {
            let store = open(&url).await?;
            let svc = services(&store, cli_source(), config.auth.hash_concurrency);
            if !password_stdin {
                bail!(
                    "pass the new password on standard input with --password-stdin (or press F2 on the console's sign-in screen)"
                );
            }
            let form = AccountForm { username, email, display_name: name };
            let session = accounts::accept_invitation(&svc, &code, &form, read_password()?).await?;
            println!("created {} ({}); sign in with labdeck", session.user.username, session.user.role);
            Ok(())
        }
        Some(Cmd::Join { code, username }) => {
            let store = open(&url).await?;
            let svc = services(&store, cli_source(), config.auth.hash_concurrency);
            crate::cli_class::join(&svc, &code, &username, read_password()?).await
        }
        None => {
            let store = open(&url).await?;
            let opts = run_options(keymap, theme, Vec::new(), &config, log_file);
            tui::run(services(&store, local_source(), config.auth.hash_concurrency), opts).await
        }
    }
}

/// CLI writes are audited as the OS account running them (`cli:alice`).
fn cli_source() -> Source {
    Source::Cli { os_user: paths::os_user() }
}

fn local_source() -> Source {
    Source::Local { os_user: paths::os_user() }
}

fn services(store: &Store, source: Source, hashes: usize) -> Services {
    Services { store: store.clone(), hasher: Hasher::new(hashes), source }
}

fn run_options(
    keymap: Keymap,
    theme: Theme,
    accounts: Vec<DemoAccount>,
    config: &Config,
    log_file: PathBuf,
) -> tui::RunOptions {
    tui::RunOptions {
        keymap,
        theme,
        demo_accounts: accounts,
        clock: config.ui.clock,
        watch_every: Duration::from_millis(config.engine.watch_interval_ms),
        log_file,
    }
}

async fn connect(url: &str) -> anyhow::Result<Store> {
    Ok(Store::connect(&ConnectOptions::new(url)).await?)
}

/// Connect, migrate and make sure the permission table is complete.
pub(crate) async fn open(url: &str) -> anyhow::Result<Store> {
    let store = connect(url).await?;
    store.migrate().await?;
    store.sync_permissions().await?;
    Ok(store)
}

/// The default demo database is recreated on every `labdeck demo`.
fn fresh_demo_file() -> anyhow::Result<String> {
    let dir = paths::data_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    for suffix in ["", "-wal", "-shm"] {
        let p = dir.join(format!("demo.db{suffix}"));
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| format!("removing the old demo database {}", p.display()))?;
        }
    }
    Ok(paths::demo_database_url())
}

fn print_accounts(accounts: &[DemoAccount], url: &str) {
    println!("labdeck demo database: {}", crate::store::redact_url(url));
    println!("accounts (passwords are shown this once):");
    for a in accounts {
        println!("  {:<10} {:<12} {}", a.role, a.username, a.password);
    }
}

pub(crate) fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password (input is visible; prefer piping it): ");
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

async fn user_command(svc: &Services, cmd: UserCmd) -> anyhow::Result<()> {
    let actor = Actor::system(&svc.source.label());
    match cmd {
        UserCmd::Add { username, role, email, name, password_stdin } => {
            let role: Role = role.parse()?;
            let plain = if password_stdin { Some(read_password()?) } else { None };
            let form = AccountForm { username, email, display_name: name };
            let (user, generated) = accounts::create_user(svc, &actor, &form, role, plain).await?;
            println!("created {} ({})", user.username, user.role);
            if let Some(p) = generated {
                println!("temporary password (change it at first sign-in): {p}");
            }
        }
        UserCmd::List { json } => {
            let users = admin::users(svc, &actor).await?;
            if json {
                let rows: Vec<_> = users
                    .iter()
                    .map(|u| serde_json::json!({"id": u.id, "username": u.username, "display_name": u.display_name, "email": u.email, "role": u.role, "status": u.status, "last_login_at": u.last_login_at}))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                let rows: Vec<[String; 4]> = users
                    .into_iter()
                    .map(|u| [u.username, u.role.to_string(), u.status.as_str().into(), u.email.unwrap_or_default()])
                    .collect();
                for line in columns(["USERNAME", "ROLE", "STATUS", "EMAIL"], &rows) {
                    println!("{line}");
                }
            }
        }
        UserCmd::Passwd { username, password_stdin } => {
            let user = find(svc, &username).await?;
            let (plain, must_change) =
                if password_stdin { (read_password()?, false) } else { (password::generate(), true) };
            password::check_policy(&user.username, &plain)?;
            let hash = svc.hasher.hash(plain.clone()).await;
            svc.store
                .set_password_hash(user.id, &hash, must_change, Entry::by(&actor, &svc.source, "set_password", "user"))
                .await?;
            if must_change {
                println!("temporary password for {} (change it at first sign-in): {plain}", user.username);
            } else {
                println!("password set for {}", user.username);
            }
        }
        UserCmd::Lock { username } => {
            let user = find(svc, &username).await?;
            admin::set_status(svc, &actor, user.id, UserStatus::Locked).await?;
            println!("locked {}", user.username);
        }
        UserCmd::Key { command } => crate::cli_keys::run(svc, &actor, command).await?,
        UserCmd::Unlock { username } => {
            let user = find(svc, &username).await?;
            admin::set_status(svc, &actor, user.id, UserStatus::Active).await?;
            svc.store.clear_failures(&crate::domain::throttle::user_key(&user.username)).await?;
            println!("unlocked {}", user.username);
        }
    }
    Ok(())
}

async fn find(svc: &Services, username: &str) -> anyhow::Result<crate::domain::user::User> {
    let name = crate::domain::user::normalize_username(username)?;
    match svc.store.credentials(&name).await? {
        Some((u, _)) => Ok(u),
        None => bail!("no user named '{name}'"),
    }
}

/// Rows laid out in columns as wide as their widest cell (the last column is not padded).
fn columns<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> Vec<String> {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == N {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
        }
        out.trim_end().to_string()
    };
    let mut out = vec![line(header.to_vec())];
    out.extend(rows.iter().map(|r| line(r.iter().map(String::as_str).collect())));
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn columns_line_up_whatever_the_widths() {
        let long = "a-very-long-username-indeed";
        let rows = [
            [long.to_string(), "approver".into(), "active".into(), "a@x".into()],
            ["bo".to_string(), "admin".into(), "locked".into(), String::new()],
        ];
        let lines = super::columns(["USERNAME", "ROLE", "STATUS", "EMAIL"], &rows);
        assert_eq!(lines.len(), 3);
        let role_at = long.len() + 2;
        let status_at = role_at + "approver".len() + 2;
        for (line, (role, status)) in
            lines.iter().zip([("ROLE", "STATUS"), ("approver", "active"), ("admin", "locked")])
        {
            assert!(line[role_at..].starts_with(role), "{lines:#?}");
            assert!(line[status_at..].starts_with(status), "{lines:#?}");
        }
        assert_eq!(lines[2], format!("bo{}admin     locked", " ".repeat(long.len())), "no trailing spaces");
    }
}
