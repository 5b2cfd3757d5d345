//! The terminal front door: ratatui + crossterm live only here.

pub mod app;
mod frame_writer;
mod gap_fill;
pub mod keymap;
pub mod palette;
pub mod screens;
pub mod theme;
pub mod widgets;

use crate::engine::{Engine, EngineHandle, EngineOptions, Services};
use app::{App, Msg};
use crossterm::event::EventStream;
use frame_writer::FrameWriter;
use futures::StreamExt;
use gap_fill::GapFill;
use ratatui::backend::CrosstermBackend;
use std::path::PathBuf;
use std::time::{Duration, Instant};

type Term = ratatui::Terminal<GapFill<CrosstermBackend<FrameWriter<std::io::Stdout>>>>;

pub struct RunOptions {
    pub keymap: keymap::Keymap,
    pub theme: theme::Theme,
    pub demo_accounts: Vec<screens::gate::DemoAccount>,
    pub clock: bool,
    pub watch_every: Duration,
    pub log_file: PathBuf,
}

/// Run the console until the user quits. The terminal is restored on every way out,
/// including a panic (the hook prints where the log is).
pub async fn run(services: Services, opts: RunOptions) -> anyhow::Result<()> {
    install_panic_hook(opts.log_file.clone());
    let backend = services.backend_name();
    // The organisation's name comes with the engine's first answer; the UI awaits no store.
    let (engine, mut events) = Engine::start(services, EngineOptions { watch_every: opts.watch_every, pollers: true });
    let mut app = App::new(opts.keymap, opts.theme, backend, opts.demo_accounts, opts.clock);
    // Raw mode and the alternate screen; frames then go through our own writer.
    let out = FrameWriter::new(std::io::stdout());
    let mut terminal =
        match ratatui::try_init().and_then(|_| Term::new(GapFill::new(CrosstermBackend::new(out.clone())))) {
            Ok(t) => t,
            Err(e) => {
                ratatui::restore();
                engine.shutdown().await;
                anyhow::bail!("labdeck needs a terminal to draw in: {e}");
            }
        };
    let result = event_loop(&mut terminal, &out, &mut app, &engine, &mut events).await;
    ratatui::restore();
    engine.shutdown().await;
    result
}

async fn event_loop(
    terminal: &mut Term,
    out: &FrameWriter<std::io::Stdout>,
    app: &mut App,
    engine: &EngineHandle,
    events: &mut tokio::sync::mpsc::UnboundedReceiver<crate::engine::Event>,
) -> anyhow::Result<()> {
    let mut input = EventStream::new();
    let mut dirty = true;
    // Benchmarks measure exec → first real frame (sign-in or first-run screen) with this.
    let exit_after_first_frame = std::env::var_os("LABDECK_EXIT_AFTER_FIRST_FRAME").is_some();
    loop {
        for cmd in app.take_commands() {
            engine.send(cmd);
        }
        if app.quit {
            return Ok(());
        }
        if dirty {
            draw(terminal, out, app)?;
            dirty = false;
            if exit_after_first_frame && !matches!(app.phase, app::Phase::Starting) {
                return Ok(());
            }
        }
        let wake = next_wake(app);
        tokio::select! {
            biased;
            ev = input.next() => match ev {
                Some(Ok(ev)) => dirty |= app.update(Msg::Terminal(ev)),
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            },
            Some(ev) = events.recv() => dirty |= app.update(Msg::Engine(ev)),
            _ = tokio::time::sleep_until(wake.into()) => dirty |= app.update(Msg::Tick),
        }
    }
}

/// Sleep until a toast expires or the clock's minute turns; nothing else needs a timer.
fn next_wake(app: &App) -> Instant {
    let now = Instant::now();
    let minute = if app.clock {
        let secs = chrono::Local::now().timestamp() % 60;
        now + Duration::from_secs((60 - secs) as u64)
    } else {
        now + Duration::from_secs(3600)
    };
    app.toasts.next_expiry().map_or(minute, |t| t.min(minute))
}

/// One frame; the writer sends it whole, or nothing when it changed nothing.
fn draw(terminal: &mut Term, out: &FrameWriter<std::io::Stdout>, app: &mut App) -> std::io::Result<()> {
    terminal.draw(|f| app.view(f))?;
    // The optional bell for a new visitor chat (Support, key b).
    if let app::Phase::Shell(shell) = &mut app.phase
        && std::mem::take(&mut shell.support.ring)
    {
        out.bell();
    }
    out.commit().map(|_| ())
}

fn install_panic_hook(log: PathBuf) {
    let previous = std::panic::take_hook();
    let ui = std::thread::current().id();
    std::panic::set_hook(Box::new(move |info| {
        // Only the UI thread's own panic ends the console. An engine task's panic is caught
        // by its guard and answered as a failure; the terminal stays as it is.
        if crate::engine::guard::panic_is_caught() || std::thread::current().id() != ui {
            tracing::error!(%info, "panic in an engine task");
            return;
        }
        ratatui::restore();
        tracing::error!(%info, "panic");
        previous(info);
        eprintln!("labdeck crashed; the terminal was restored. Details are in {}", log.display());
    }));
}
