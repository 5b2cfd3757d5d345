//! The tabs. Each implements [`Screen`]; [`TABS`] lists them in display order.

pub mod account;
pub mod admin;
pub mod bookings;
pub mod classes;
pub mod gate;
pub mod infra;
pub mod inventory;
pub mod profile;
mod screen;
pub mod support;

pub use screen::{Screen, Status, Taken, downcast, downcast_mut};

use crate::engine::accounts::Session;
use crate::engine::inventory::{BulkLine, BulkOutcome};
use crate::tui::app::{Effect, Overlay};

/// A tab's constructor: the screen, or `None` when the signed-in role may not use it.
pub type Tab = fn(&Session) -> Option<Box<dyn Screen>>;

/// Every tab, in display order: registering a screen is one line here.
pub const TABS: &[Tab] =
    &[inventory::tab, classes::tab, bookings::tab, support::tab, admin::tab, infra::tab, account::tab];

/// A bulk action's results (guests, class VMs): a toast when the one target went through,
/// else a report with a line per target (submitted, skipped and why, failed and why).
pub fn bulk_outcome(title: String, lines: Vec<BulkLine>) -> Vec<Effect> {
    let count = |f: fn(&BulkOutcome) -> bool| lines.iter().filter(|l| f(&l.outcome)).count();
    let ok = count(|o| matches!(o, BulkOutcome::Submitted(_)));
    let skipped = count(|o| matches!(o, BulkOutcome::Skipped(_)));
    let failed = count(|o| matches!(o, BulkOutcome::Failed(_)));
    if let ([one], 1) = (lines.as_slice(), ok) {
        return vec![Effect::Info(format!("{title}: {} ({}) submitted", one.name, one.vmid))];
    }
    let text = lines
        .iter()
        .map(|l| {
            let what = match &l.outcome {
                BulkOutcome::Submitted(upid) => format!("✓ submitted  {upid}"),
                BulkOutcome::Skipped(why) => format!("– skipped: {why}"),
                BulkOutcome::Failed(why) => format!("✗ failed: {why}"),
            };
            format!("{:<10} {:>6} {:<20} {what}", l.cluster, l.vmid, l.name)
        })
        .collect();
    let title = format!("{title}: {ok} submitted, {skipped} skipped, {failed} failed");
    vec![Effect::Open(Overlay::Report { title, lines: text, scroll: 0 })]
}
