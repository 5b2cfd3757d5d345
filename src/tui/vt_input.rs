//! Keys from the bytes a remote terminal sends (an SSH channel): UTF-8 text, control
//! characters, and the escape sequences xterm-like terminals use (CSI, SS3, bracketed
//! paste), as crossterm events. crossterm parses only its own tty, so this is the same
//! job for a byte stream.
//!
//! An escape sequence arrives whole in one read (a terminal writes a key's sequence at
//! once and SSH carries it in one packet), so an ESC that ends a read is the Esc key.
//! Bytes that make no sense (broken UTF-8, an unfinished or overlong sequence) are dropped.

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

/// A sequence longer than this is not one a terminal sends: it is dropped.
const MAX_SEQUENCE: usize = 64;
/// A paste longer than this is cut (the console's fields are short).
const MAX_PASTE: usize = 64 * 1024;
const PASTE_END: &[u8] = b"\x1b[201~";

#[derive(Default)]
pub struct VtInput {
    /// A paste in progress (between `ESC[200~` and `ESC[201~`).
    paste: Option<Vec<u8>>,
    /// The start of a UTF-8 character or an escape sequence cut by the end of a read.
    pending: Vec<u8>,
}

fn key(code: KeyCode, modifiers: KeyModifiers) -> Event {
    Event::Key(KeyEvent { code, modifiers, kind: KeyEventKind::Press, state: KeyEventState::NONE })
}

impl VtInput {
    /// The events in one read's bytes.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
        let mut data = std::mem::take(&mut self.pending);
        data.extend_from_slice(bytes);
        let mut out = Vec::new();
        let mut i = 0;
        while i < data.len() {
            if let Some(paste) = &mut self.paste {
                // Inside a paste everything is text until its end marker.
                match find(&data[i..], PASTE_END) {
                    Some(at) => {
                        extend_capped(paste, &data[i..i + at]);
                        let text = String::from_utf8_lossy(paste).into_owned();
                        self.paste = None;
                        out.push(Event::Paste(text));
                        i += at + PASTE_END.len();
                    }
                    None => {
                        // Keep a tail that may be the start of the end marker.
                        let keep = partial_suffix(&data[i..], PASTE_END);
                        extend_capped(paste, &data[i..data.len() - keep]);
                        self.pending = data[data.len() - keep..].to_vec();
                        return out;
                    }
                }
                continue;
            }
            match parse_one(&data[i..]) {
                Parsed::Event(ev, n) => {
                    out.push(ev);
                    i += n;
                }
                Parsed::PasteStart(n) => {
                    self.paste = Some(Vec::new());
                    i += n;
                }
                Parsed::Skip(n) => i += n,
                Parsed::Incomplete => {
                    if data.len() - i > MAX_SEQUENCE {
                        // Not a sequence any terminal sends: drop the rest of this read.
                        return out;
                    } else {
                        self.pending = data[i..].to_vec();
                        return out;
                    }
                }
            }
        }
        out
    }
}

fn extend_capped(buf: &mut Vec<u8>, more: &[u8]) {
    let room = MAX_PASTE.saturating_sub(buf.len());
    buf.extend_from_slice(&more[..more.len().min(room)]);
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// How many bytes at the end of `data` could begin `marker`.
fn partial_suffix(data: &[u8], marker: &[u8]) -> usize {
    (1..marker.len().min(data.len() + 1)).rev().find(|&n| data[data.len() - n..] == marker[..n]).unwrap_or(0)
}

enum Parsed {
    Event(Event, usize),
    PasteStart(usize),
    Skip(usize),
    Incomplete,
}

fn parse_one(data: &[u8]) -> Parsed {
    let none = KeyModifiers::NONE;
    match data[0] {
        0x1b => parse_escape(data),
        b'\r' | b'\n' => Parsed::Event(key(KeyCode::Enter, none), 1),
        b'\t' => Parsed::Event(key(KeyCode::Tab, none), 1),
        0x7f | 0x08 => Parsed::Event(key(KeyCode::Backspace, none), 1),
        0x00 => Parsed::Event(key(KeyCode::Char(' '), KeyModifiers::CONTROL), 1),
        c @ 0x01..=0x1a => Parsed::Event(key(KeyCode::Char((c - 1 + b'a') as char), KeyModifiers::CONTROL), 1),
        c @ 0x1c..=0x1f => Parsed::Event(key(KeyCode::Char((c - 0x1c + b'4') as char), KeyModifiers::CONTROL), 1),
        _ => match utf8_char(data) {
            Some(Ok((c, n))) => Parsed::Event(key(KeyCode::Char(c), none), n),
            Some(Err(n)) => Parsed::Skip(n),
            None => Parsed::Incomplete,
        },
    }
}

/// The character at the start of `data`: `Ok((char, len))`, `Err(bytes to skip)` when it
/// is not UTF-8 (or is a C1 control), or `None` when it is cut short.
fn utf8_char(data: &[u8]) -> Option<Result<(char, usize), usize>> {
    let len = match data[0] {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return Some(Err(1)),
    };
    if data.len() < len {
        // A cut character: wait for the rest, unless what is there is already wrong.
        return match std::str::from_utf8(data) {
            Err(e) if e.error_len().is_some() => Some(Err(1)),
            _ => None,
        };
    }
    match std::str::from_utf8(&data[..len]) {
        Ok(s) => {
            let c = s.chars().next()?;
            if c.is_control() { Some(Err(len)) } else { Some(Ok((c, len))) }
        }
        Err(_) => Some(Err(1)),
    }
}

fn parse_escape(data: &[u8]) -> Parsed {
    let Some(&next) = data.get(1) else {
        return Parsed::Event(key(KeyCode::Esc, KeyModifiers::NONE), 1);
    };
    match next {
        b'[' => parse_csi(data),
        b'O' => match data.get(2) {
            None => Parsed::Event(key(KeyCode::Char('O'), KeyModifiers::ALT), 2),
            Some(&c) => match ss3(c) {
                Some(code) => Parsed::Event(key(code, KeyModifiers::NONE), 3),
                None => Parsed::Skip(3),
            },
        },
        0x1b => Parsed::Event(key(KeyCode::Esc, KeyModifiers::NONE), 1),
        _ => match parse_one(&data[1..]) {
            // ESC before a key is Alt with that key.
            Parsed::Event(Event::Key(mut k), n) => {
                k.modifiers |= KeyModifiers::ALT;
                Parsed::Event(Event::Key(k), n + 1)
            }
            Parsed::Incomplete => Parsed::Incomplete,
            _ => Parsed::Skip(1),
        },
    }
}

fn ss3(c: u8) -> Option<KeyCode> {
    Some(match c {
        b'A' => KeyCode::Up,
        b'B' => KeyCode::Down,
        b'C' => KeyCode::Right,
        b'D' => KeyCode::Left,
        b'H' => KeyCode::Home,
        b'F' => KeyCode::End,
        b'P'..=b'S' => KeyCode::F(c - b'P' + 1),
        _ => return None,
    })
}

/// An SGR mouse report `ESC [ < button ; column ; row M` (`m`: released), 1-based.
fn mouse(report: &str, fin: u8) -> Option<Event> {
    let mut nums = report.split(';').map(|n| n.parse::<u16>().ok());
    let (b, col, row) = (nums.next()??, nums.next()??, nums.next()??);
    // Shift, Alt and Ctrl are bits 4, 8 and 16: xterm's modifier parameter shifted by two.
    let modifiers = modifiers(((b >> 2) & 7) + 1);
    let button = match b & 3 {
        0 => MouseButton::Left,
        1 => MouseButton::Middle,
        _ => MouseButton::Right,
    };
    let kind = match (b & 64 != 0, b & 32 != 0, fin) {
        (true, _, _) if b & 1 == 0 => MouseEventKind::ScrollUp,
        (true, _, _) => MouseEventKind::ScrollDown,
        (false, true, _) => MouseEventKind::Drag(button),
        (false, false, b'M') => MouseEventKind::Down(button),
        (false, false, b'm') => MouseEventKind::Up(button),
        _ => return None,
    };
    let (column, row) = (col.checked_sub(1)?, row.checked_sub(1)?);
    Some(Event::Mouse(MouseEvent { kind, column, row, modifiers }))
}

/// `ESC [ params final`: cursor keys, Home/End, the `~` keys, F-keys, Shift-Tab, paste.
fn parse_csi(data: &[u8]) -> Parsed {
    let body = &data[2..];
    let Some(end) = body.iter().position(|b| (0x40..=0x7e).contains(b)) else {
        // Parameters are digits, ';', '<', '?', ':' and the like; anything else breaks it.
        if body.iter().any(|b| !(0x20..=0x3f).contains(b)) {
            return Parsed::Skip(2);
        }
        return Parsed::Incomplete;
    };
    let len = 2 + end + 1;
    let params = &body[..end];
    if params.iter().any(|b| !(0x20..=0x3f).contains(b)) {
        return Parsed::Skip(2);
    }
    let fin = body[end];
    let text = std::str::from_utf8(params).unwrap_or("");
    if let Some(report) = text.strip_prefix('<') {
        return match mouse(report, fin) {
            Some(ev) => Parsed::Event(ev, len),
            None => Parsed::Skip(len),
        };
    }
    if text.starts_with(['?', '>']) {
        // Terminal replies: the console asks for none.
        return Parsed::Skip(len);
    }
    let nums: Vec<u16> = text.split(';').map(|p| p.split(':').next().unwrap_or("").parse().unwrap_or(0)).collect();
    let modifiers = modifiers(nums.get(1).copied().unwrap_or(1));
    let code = match fin {
        b'A' | b'B' | b'C' | b'D' | b'H' | b'F' | b'P' | b'Q' | b'R' | b'S' => ss3(fin),
        b'Z' => return Parsed::Event(key(KeyCode::BackTab, KeyModifiers::SHIFT), len),
        b'~' => match nums.first().copied().unwrap_or(0) {
            200 => return Parsed::PasteStart(len),
            1 | 7 => Some(KeyCode::Home),
            2 => Some(KeyCode::Insert),
            3 => Some(KeyCode::Delete),
            4 | 8 => Some(KeyCode::End),
            5 => Some(KeyCode::PageUp),
            6 => Some(KeyCode::PageDown),
            n @ 11..=15 => Some(KeyCode::F((n - 10) as u8)),
            n @ 17..=21 => Some(KeyCode::F((n - 11) as u8)),
            n @ 23..=24 => Some(KeyCode::F((n - 12) as u8)),
            _ => None,
        },
        _ => None,
    };
    match code {
        Some(code) => Parsed::Event(key(code, modifiers), len),
        None => Parsed::Skip(len),
    }
}

/// xterm's modifier parameter: 1 + (shift 1 | alt 2 | ctrl 4).
fn modifiers(param: u16) -> KeyModifiers {
    let bits = param.saturating_sub(1);
    let mut m = KeyModifiers::NONE;
    if bits & 1 != 0 {
        m |= KeyModifiers::SHIFT;
    }
    if bits & 2 != 0 {
        m |= KeyModifiers::ALT;
    }
    if bits & 4 != 0 {
        m |= KeyModifiers::CONTROL;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(bytes: &[u8]) -> Vec<(KeyCode, KeyModifiers)> {
        VtInput::default()
            .feed(bytes)
            .into_iter()
            .filter_map(|e| match e {
                Event::Key(k) => Some((k.code, k.modifiers)),
                _ => None,
            })
            .collect()
    }

    const N: KeyModifiers = KeyModifiers::NONE;

    #[test]
    fn sgr_mouse_reports_are_clicks_and_the_wheel() {
        let evs = VtInput::default().feed(b"\x1b[<0;10;5M\x1b[<0;10;5m\x1b[<65;1;1M\x1b[<64;3;4M\x1b[<0;0;0Mq");
        let kinds: Vec<_> = evs
            .iter()
            .filter_map(|e| match e {
                Event::Mouse(m) => Some((m.kind, m.column, m.row)),
                _ => None,
            })
            .collect();
        assert_eq!(
            kinds,
            [
                (MouseEventKind::Down(MouseButton::Left), 9, 4),
                (MouseEventKind::Up(MouseButton::Left), 9, 4),
                (MouseEventKind::ScrollDown, 0, 0),
                (MouseEventKind::ScrollUp, 2, 3),
            ],
            "a report at column 0 is not one a terminal sends: dropped"
        );
        assert!(matches!(evs.last(), Some(Event::Key(k)) if k.code == KeyCode::Char('q')));
    }

    #[test]
    fn text_controls_and_cursor_keys() {
        assert_eq!(keys("aé✓".as_bytes()), [(KeyCode::Char('a'), N), (KeyCode::Char('é'), N), (KeyCode::Char('✓'), N)]);
        assert_eq!(
            keys(b"\r\t\x7f\x03"),
            [
                (KeyCode::Enter, N),
                (KeyCode::Tab, N),
                (KeyCode::Backspace, N),
                (KeyCode::Char('c'), KeyModifiers::CONTROL)
            ]
        );
        assert_eq!(
            keys(b"\x1b[A\x1bOB\x1b[1;5C\x1b[5~\x1b[3~\x1b[Z"),
            [
                (KeyCode::Up, N),
                (KeyCode::Down, N),
                (KeyCode::Right, KeyModifiers::CONTROL),
                (KeyCode::PageUp, N),
                (KeyCode::Delete, N),
                (KeyCode::BackTab, KeyModifiers::SHIFT)
            ]
        );
        assert_eq!(keys(b"\x1b[15~\x1bOP"), [(KeyCode::F(5), N), (KeyCode::F(1), N)]);
    }

    #[test]
    fn a_lone_escape_is_esc_and_escape_before_a_key_is_alt() {
        assert_eq!(keys(b"\x1b"), [(KeyCode::Esc, N)]);
        assert_eq!(keys(b"\x1bx"), [(KeyCode::Char('x'), KeyModifiers::ALT)]);
        assert_eq!(keys(b"\x1b\x1b"), [(KeyCode::Esc, N), (KeyCode::Esc, N)]);
    }

    #[test]
    fn sequences_and_characters_cut_between_reads_are_joined() {
        let mut vt = VtInput::default();
        assert!(vt.feed(b"\x1b[1;").is_empty());
        assert!(
            matches!(vt.feed(b"2A").as_slice(), [Event::Key(k)] if k.code == KeyCode::Up && k.modifiers == KeyModifiers::SHIFT)
        );
        let e = "é".as_bytes();
        assert!(vt.feed(&e[..1]).is_empty());
        assert!(matches!(vt.feed(&e[1..]).as_slice(), [Event::Key(k)] if k.code == KeyCode::Char('é')));
    }

    #[test]
    fn bracketed_paste_is_one_event_even_across_reads() {
        let mut vt = VtInput::default();
        assert!(vt.feed(b"\x1b[200~hello \x1b[A wor").is_empty());
        assert!(vt.feed(b"ld\x1b[20").is_empty());
        let evs = vt.feed(b"1~x");
        assert!(matches!(&evs[0], Event::Paste(p) if p == "hello \x1b[A world"), "{evs:?}");
        assert!(matches!(&evs[1], Event::Key(k) if k.code == KeyCode::Char('x')));
    }

    #[test]
    fn garbage_is_dropped_without_panicking() {
        assert_eq!(keys(b"\xff\xfe\x80a"), [(KeyCode::Char('a'), N)]);
        assert_eq!(keys(b"\x1b[?1;2cq"), [(KeyCode::Char('q'), N)], "replies skipped");
        assert_eq!(keys(b"\x1b[9999999999999999~z"), [(KeyCode::Char('z'), N)]);
        // An escape sequence that never ends stops being waited for.
        let mut vt = VtInput::default();
        let mut long = b"\x1b[".to_vec();
        long.extend(std::iter::repeat_n(b'1', 200));
        vt.feed(&long);
        assert!(matches!(vt.feed(b"q").last(), Some(Event::Key(k)) if k.code == KeyCode::Char('q')));
        // Every byte string at all parses without a panic.
        for a in 0u8..=255 {
            for b in [0x1b, b'[', b'O', b'~', 0xc3, 0x80, b'1', b';'] {
                VtInput::default().feed(&[0x1b, a, b, a]);
                VtInput::default().feed(&[a, b]);
            }
        }
    }
}
