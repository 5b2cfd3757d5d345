//! The mouse (`ui.mouse`, on by default): the wheel moves what the arrow keys move (lists,
//! help, reports), a click on a tab opens it and a click on a list row selects it.

use super::view::{TAB_BAR_LEAD, tab_label};
use super::*;
use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use unicode_width::UnicodeWidthStr;

impl App {
    /// Returns whether the screen must be redrawn.
    pub(super) fn on_mouse(&mut self, m: MouseEvent) -> bool {
        let arrow = |code| KeyEvent::new(code, KeyModifiers::NONE);
        match m.kind {
            MouseEventKind::ScrollDown => self.on_key(arrow(KeyCode::Down)),
            MouseEventKind::ScrollUp => self.on_key(arrow(KeyCode::Up)),
            MouseEventKind::Down(MouseButton::Left) if self.overlay.is_none() => {
                return self.on_click(m.column, m.row);
            }
            _ => return false,
        }
        true
    }

    fn on_click(&mut self, x: u16, y: u16) -> bool {
        let Phase::Shell(shell) = &mut self.phase else {
            return false;
        };
        if y == 0 {
            let Some(i) = tab_at(shell, x) else {
                return false;
            };
            if i != shell.active {
                let (old, fx) = self.switch_to(i);
                self.apply(old, fx);
                self.with_screen(None, |s, me| s.load(me));
            }
            return true;
        }
        self.with_screen(None, |s, me| s.on_click(x, y, me));
        true
    }
}

/// The tab drawn under column `x` of the tab bar (as `view::render_tabs` lays it out).
fn tab_at(shell: &Shell, x: u16) -> Option<usize> {
    let mut left = TAB_BAR_LEAD;
    for (i, t) in shell.tabs.iter().enumerate() {
        let width = tab_label(t.as_ref()).width() as u16;
        if (left..left + width).contains(&x) {
            return Some(i);
        }
        left += width;
    }
    None
}
