//! The terminal front door: ratatui + crossterm live only here.

pub mod app;
mod frame_writer;
mod gap_fill;
pub mod keymap;
pub mod palette;
pub mod remote;
pub mod screens;
pub mod terminal;
pub mod theme;
pub mod visitor;
mod vt_input;
pub mod widgets;

use crate::engine::{Engine, EngineHandle, EngineOptions, Event, Services};
use app::{App, Msg};
use crossterm::event::{Event as TermEvent, EventStream, KeyCode, KeyEvent, KeyModifiers};
use futures::{Stream, StreamExt};
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use terminal::Screen;
use tokio::sync::mpsc::UnboundedReceiver;

pub struct RunOptions {
    pub keymap: keymap::Keymap,
    pub theme: theme::Theme,
    pub demo_accounts: Vec<screens::gate::DemoAccount>,
    pub clock: crate::config::Clock,
    /// Ask the terminal for mouse reports (`ui.mouse`).
    pub mouse: bool,
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
    app.mouse = opts.mouse;
    // Raw mode and the alternate screen; frames then go through our own writer.
    let mut screen = match ratatui::try_init().and_then(|_| Screen::new(std::io::stdout(), None, None)) {
        Ok(s) => s,
        Err(e) => {
            restore();
            engine.shutdown().await;
            anyhow::bail!("labdeck needs a terminal to draw in: {e}");
        }
    };
    if app.mouse {
        let mut out = std::io::stdout();
        let _ = out.write_all(terminal::MOUSE_ON).and_then(|_| out.flush());
    }
    let result = event_loop(&mut screen, EventStream::new(), &mut app, &engine, &mut events).await;
    drop(screen);
    restore();
    engine.shutdown().await;
    result
}

/// The console's loop on any terminal: draw when something changed, then wait for a key,
/// an engine event or a timer. Returns when the user quits or the input ends.
pub async fn event_loop<W: Write>(
    screen: &mut Screen<W>,
    mut input: impl Stream<Item = std::io::Result<TermEvent>> + Unpin,
    app: &mut App,
    engine: &EngineHandle,
    events: &mut UnboundedReceiver<Event>,
) -> anyhow::Result<()> {
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
            draw(screen, app)?;
            dirty = false;
            if exit_after_first_frame && !matches!(app.phase, app::Phase::Starting) {
                return Ok(());
            }
        }
        let wake = next_wake(app);
        tokio::select! {
            biased;
            ev = input.next() => match ev {
                Some(Ok(ev)) if is_repaint(&ev) => {
                    screen.repaint()?;
                    dirty = true;
                }
                // Every resize repaints whole: a terminal that grew and shrank back before we
                // drew has the same size but shifted or reflowed content.
                Some(Ok(ev @ TermEvent::Resize(..))) => {
                    screen.repaint()?;
                    app.update(Msg::Terminal(ev));
                    dirty = true;
                }
                Some(Ok(ev)) => dirty |= app.update(Msg::Terminal(ev)),
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            },
            Some(ev) = events.recv() => dirty |= app.update(Msg::Engine(ev)),
            _ = tokio::time::sleep_until(wake.into()) => dirty |= app.update(Msg::Tick),
        }
    }
}

/// Ctrl-L: clear the terminal and draw the whole frame again, as shells and editors do.
fn is_repaint(ev: &TermEvent) -> bool {
    matches!(ev, TermEvent::Key(KeyEvent { code: KeyCode::Char('l'), modifiers, .. }) if *modifiers == KeyModifiers::CONTROL)
}

/// Sleep until a toast expires or the clock shows another time; nothing else needs a timer.
fn next_wake(app: &App) -> Instant {
    let now = Instant::now();
    let clock = now + app.clock.next_change(chrono::Local::now()).unwrap_or(Duration::from_secs(3600));
    app.toasts.next_expiry().map_or(clock, |t| t.min(clock))
}

/// One frame; the writer sends it whole, or nothing when it changed nothing.
fn draw<W: Write>(screen: &mut Screen<W>, app: &mut App) -> std::io::Result<()> {
    // The optional bell for a new visitor chat (Support, key b).
    let bell = std::mem::take(&mut app.bell);
    screen.draw(|f| app.view(f), bell)
}

/// Put the terminal back: mouse reports off (harmless when they were never on), then what
/// `ratatui::init` changed.
fn restore() {
    let mut out = std::io::stdout();
    let _ = out.write_all(terminal::MOUSE_OFF).and_then(|_| out.flush());
    ratatui::restore();
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
        restore();
        tracing::error!(%info, "panic");
        previous(info);
        eprintln!("labdeck crashed; the terminal was restored. Details are in {}", log.display());
    }));
}
