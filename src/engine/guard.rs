//! Engine tasks run under a panic guard: a handler that panics answers its request with
//! `Event::Failed` (and an error in the log) instead of leaving the console waiting, and the
//! process-wide panic hook can tell such a panic (caught here) from one that kills the UI.

use super::command::{Event, Reply, RequestId};
use super::error::AppError;
use futures::FutureExt;
use std::cell::Cell;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};

thread_local! {
    /// How many guarded futures this thread is polling right now.
    static GUARDED: Cell<u32> = const { Cell::new(0) };
}

/// True while this thread runs a guarded engine task: a panic now is caught and answered,
/// so a panic hook must neither restore the terminal nor print over the screen.
pub fn panic_is_caught() -> bool {
    GUARDED.with(|g| g.get() > 0)
}

/// Marks the thread as guarded for the length of each poll of the inner future.
struct Marked<F>(F);

impl<F: Future + Unpin> Future for Marked<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        struct Unmark;
        impl Drop for Unmark {
            fn drop(&mut self) {
                GUARDED.with(|g| g.set(g.get().saturating_sub(1)));
            }
        }
        GUARDED.with(|g| g.set(g.get() + 1));
        let _unmark = Unmark;
        Pin::new(&mut self.0).poll(cx)
    }
}

/// Run one request's handler and turn its outcome into the event that answers request `id`:
/// its reply, its error, or — if it panicked — a failure saying so.
pub async fn answer<F>(id: RequestId, origin: &'static str, handler: F) -> Event
where
    F: Future<Output = Result<Reply, AppError>> + Send,
{
    let caught = Marked(Box::pin(AssertUnwindSafe(handler).catch_unwind())).await;
    match caught {
        Ok(Ok(reply)) => Event::Reply { id, reply },
        Ok(Err(AppError::SessionEnded(message))) => {
            tracing::info!(origin, "session ended");
            Event::SessionEnded { id, message }
        }
        Ok(Err(e)) => {
            tracing::warn!(origin, error = %e, "command failed");
            Event::Failed { id, origin, message: e.to_string() }
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown cause".into());
            tracing::error!(origin, panic = %what, "command handler panicked");
            Event::Failed {
                id,
                origin,
                message: format!("Internal error ({origin}); it was logged, and the console goes on."),
            }
        }
    }
}
