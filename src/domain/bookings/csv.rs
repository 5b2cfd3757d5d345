//! CSV (RFC 4180) that is safe to open in a spreadsheet: a cell starting with `=`, `+`, `-`,
//! `@`, tab or CR is prefixed with `'` so it is never run as a formula (OWASP CSV injection).

/// One cell: formula-escaped, then quoted when it holds a comma, quote or line break.
pub fn cell(s: &str) -> String {
    let guarded = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() };
    if guarded.contains([',', '"', '\n', '\r']) { format!("\"{}\"", guarded.replace('"', "\"\"")) } else { guarded }
}

/// A header and rows, CRLF line ends.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    let join = |cells: &mut dyn Iterator<Item = String>| cells.collect::<Vec<_>>().join(",");
    out.push_str(&join(&mut header.iter().map(|h| cell(h))));
    out.push_str("\r\n");
    for r in rows {
        out.push_str(&join(&mut r.iter().map(|c| cell(c))));
        out.push_str("\r\n");
    }
    out
}
