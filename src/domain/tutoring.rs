//! Seed 004's tutoring records with no I/O: the kinds of record an assignment has (teacher
//! assignments, meetings, writings, homework, exams, files), who may create, edit and move
//! each (the seed's roles: the student, a tutor assigned to it, support), the status moves
//! each kind allows, and the rules for uploaded files (size limit, type from the bytes,
//! a display name that is never a path).

use super::sanitize;

string_enum!(RecordKind {
    Teacher => "teacher",
    Meeting => "meeting",
    Writing => "writing",
    Homework => "homework",
    Exam => "exam",
    File => "file",
});

/// How the actor stands to one assignment (the store works it out, in the transaction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rel {
    /// The assignment's student.
    Student,
    /// A tutor offered or assigned to it (for a teacher-assignment row: that row's tutor).
    Tutor,
    /// Support or an admin: every assignment.
    Staff,
    /// None of these: the record is not theirs to touch.
    Other,
}

/// What the edit form of a kind changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// A time: a meeting's schedule, homework's due time.
    When,
    /// An exam's duration.
    Minutes,
    /// A file's display name.
    Name,
    /// Nothing but its status.
    Nothing,
}

/// The largest file the store keeps (the migration's CHECK says the same).
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// A file's display name, in characters.
pub const MAX_NAME_CHARS: usize = 120;
/// An exam's duration bounds, in minutes.
pub const EXAM_MINUTES: std::ops::RangeInclusive<i64> = 1..=600;

use Rel::{Staff, Student, Tutor};

/// Every status move: (kind, from, to, who may make it).
const MOVES: &[(RecordKind, &str, &str, &[Rel])] = &[
    (RecordKind::Teacher, "offered", "accepted", &[Tutor]),
    (RecordKind::Teacher, "offered", "declined", &[Tutor]),
    (RecordKind::Teacher, "accepted", "completed", &[Tutor, Staff]),
    (RecordKind::Teacher, "offered", "removed", &[Staff]),
    (RecordKind::Teacher, "accepted", "removed", &[Staff]),
    (RecordKind::Meeting, "scheduled", "in_progress", &[Tutor, Staff]),
    (RecordKind::Meeting, "in_progress", "completed", &[Tutor, Staff]),
    (RecordKind::Meeting, "scheduled", "completed", &[Tutor, Staff]),
    (RecordKind::Meeting, "scheduled", "cancelled", &[Tutor, Staff]),
    (RecordKind::Meeting, "in_progress", "cancelled", &[Tutor, Staff]),
    (RecordKind::Writing, "draft", "submitted", &[Student, Staff]),
    (RecordKind::Writing, "returned", "submitted", &[Student, Staff]),
    (RecordKind::Writing, "submitted", "reviewed", &[Tutor, Staff]),
    (RecordKind::Writing, "submitted", "returned", &[Tutor, Staff]),
    (RecordKind::Exam, "scheduled", "in_progress", &[Tutor, Staff]),
    (RecordKind::Exam, "in_progress", "completed", &[Student, Tutor, Staff]),
    (RecordKind::Exam, "completed", "graded", &[Tutor, Staff]),
    (RecordKind::Exam, "scheduled", "cancelled", &[Tutor, Staff]),
    (RecordKind::Exam, "in_progress", "cancelled", &[Tutor, Staff]),
];

impl RecordKind {
    /// The plural, for titles and the kind filter.
    pub fn plural(self) -> &'static str {
        match self {
            RecordKind::Teacher => "tutors",
            RecordKind::Meeting => "meetings",
            RecordKind::Writing => "writings",
            RecordKind::Homework => "homework",
            RecordKind::Exam => "exams",
            RecordKind::File => "files",
        }
    }

    /// The statuses a record of this kind can have (none for homework and files).
    pub fn statuses(self) -> &'static [&'static str] {
        match self {
            RecordKind::Teacher => &["offered", "accepted", "declined", "completed", "removed"],
            RecordKind::Meeting => &["scheduled", "in_progress", "completed", "cancelled"],
            RecordKind::Writing => &["draft", "submitted", "reviewed", "returned"],
            RecordKind::Exam => &["scheduled", "in_progress", "completed", "graded", "cancelled"],
            RecordKind::Homework | RecordKind::File => &[],
        }
    }

    /// The status a new record starts in.
    pub fn initial(self) -> Option<&'static str> {
        self.statuses().first().copied()
    }

    pub fn edit(self) -> Edit {
        match self {
            RecordKind::Meeting | RecordKind::Homework => Edit::When,
            RecordKind::Exam => Edit::Minutes,
            RecordKind::File => Edit::Name,
            RecordKind::Teacher | RecordKind::Writing => Edit::Nothing,
        }
    }

    /// Who may add a record of this kind to an assignment.
    fn creators(self) -> &'static [Rel] {
        match self {
            RecordKind::Teacher => &[Staff],
            RecordKind::Meeting | RecordKind::Homework | RecordKind::Exam => &[Tutor, Staff],
            RecordKind::Writing | RecordKind::File => &[Student, Tutor, Staff],
        }
    }
}

fn who(rels: &[Rel]) -> String {
    let names: Vec<&str> = rels
        .iter()
        .map(|r| match r {
            Student => "the student",
            Tutor => "its tutor",
            Staff => "support",
            Rel::Other => "nobody",
        })
        .collect();
    names.join(" or ")
}

/// Whether `rel` may add a `kind` record to an assignment.
pub fn may_create(kind: RecordKind, rel: Rel) -> Result<(), String> {
    let ok = kind.creators();
    if ok.contains(&rel) { Ok(()) } else { Err(format!("a {kind} is added by {}", who(ok))) }
}

/// Whether `rel` may edit a record (its `Edit` field) in its current status. Meetings and
/// exams change only while scheduled; a file is renamed by its uploader or support.
pub fn may_edit(kind: RecordKind, rel: Rel, status: &str, uploader: bool) -> Result<(), String> {
    match kind.edit() {
        Edit::Nothing => return Err(format!("a {kind} has nothing to edit but its status")),
        Edit::Name if uploader || rel == Staff => return Ok(()),
        Edit::Name => return Err("a file is renamed by whoever uploaded it, or support".into()),
        _ => {}
    }
    if !matches!(rel, Tutor | Staff) {
        return Err(format!("a {kind} is changed by {}", who(&[Tutor, Staff])));
    }
    if matches!(kind, RecordKind::Meeting | RecordKind::Exam) && status != "scheduled" {
        return Err(format!("this {kind} is {}: only a scheduled one changes", status.replace('_', " ")));
    }
    Ok(())
}

/// The statuses `rel` may move a record to from `from`.
pub fn next_statuses(kind: RecordKind, rel: Rel, from: &str) -> Vec<&'static str> {
    MOVES.iter().filter(|(k, f, _, r)| *k == kind && *f == from && r.contains(&rel)).map(|m| m.2).collect()
}

/// Whether `rel` may move a record from `from` to `to`.
pub fn may_move(kind: RecordKind, rel: Rel, from: &str, to: &str) -> Result<(), String> {
    if kind.statuses().is_empty() {
        return Err(format!("a {kind} has no status"));
    }
    if !kind.statuses().contains(&to) {
        return Err(format!("'{to}' is not a status of a {kind}"));
    }
    match MOVES.iter().find(|(k, f, t, _)| *k == kind && *f == from && *t == to) {
        None => Err(format!("a {kind} does not go from {} to {}", from.replace('_', " "), to.replace('_', " "))),
        Some((.., r)) if !r.contains(&rel) => Err(format!("{} marks a {kind} {}", who(r), to.replace('_', " "))),
        Some(_) => Ok(()),
    }
}

/// A meeting's code: `MT-` and six digits from the given random number.
pub fn meeting_code(random: u32) -> String {
    format!("MT-{:06}", 100_000 + random % 900_000)
}

/// What an uploaded file is, from its first bytes (never from its name): a small table of
/// magic numbers, then UTF-8 text, else opaque bytes.
pub fn sniff(bytes: &[u8]) -> &'static str {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"%PDF-", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
        (b"PK\x03\x04", "application/zip"),
        (b"\x1f\x8b", "application/gzip"),
        (b"{\\rtf", "application/rtf"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
    ];
    if let Some((_, t)) = MAGIC.iter().find(|(m, _)| bytes.starts_with(m)) {
        return t;
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return "image/webp";
    }
    let text = std::str::from_utf8(bytes).is_ok_and(|s| !s.chars().any(|c| c.is_control() && !c.is_whitespace()));
    if text { "text/plain" } else { "application/octet-stream" }
}

/// Check an upload's size: empty and over-limit files are refused.
pub fn check_size(len: usize) -> Result<(), String> {
    match len {
        0 => Err("the file is empty".into()),
        n if n > MAX_FILE_BYTES => {
            Err(format!("the file is {} KiB; at most {} KiB are kept", n.div_ceil(1024), MAX_FILE_BYTES / 1024))
        }
        _ => Ok(()),
    }
}

/// The name a file is shown by: the last part of what was typed, sanitised, bounded. It is
/// only ever shown; the store keeps the bytes under the record's id.
pub fn display_name(raw: &str) -> Result<String, String> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let name: String = sanitize::line(last).chars().take(MAX_NAME_CHARS).collect();
    let name = name.trim().trim_start_matches('.').to_string();
    if name.is_empty() { Err("a file needs a name".into()) } else { Ok(name) }
}

/// "1.2 MiB", "830 B": a file's size for people.
pub fn size_label(bytes: i64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_moves_follow_the_roles() {
        assert!(may_move(RecordKind::Meeting, Tutor, "scheduled", "completed").is_ok());
        assert!(may_move(RecordKind::Meeting, Student, "scheduled", "completed").is_err());
        assert!(may_move(RecordKind::Meeting, Staff, "completed", "scheduled").is_err());
        assert!(may_move(RecordKind::Writing, Student, "draft", "submitted").is_ok());
        assert!(may_move(RecordKind::Writing, Tutor, "draft", "submitted").is_err());
        assert!(may_move(RecordKind::Writing, Tutor, "submitted", "returned").is_ok());
        assert!(may_move(RecordKind::Teacher, Staff, "offered", "accepted").is_err(), "the tutor accepts");
        assert!(may_move(RecordKind::Homework, Staff, "", "done").is_err());
        assert!(may_move(RecordKind::Exam, Staff, "scheduled", "bogus").is_err());
        assert_eq!(next_statuses(RecordKind::Exam, Student, "in_progress"), ["completed"]);
        assert_eq!(next_statuses(RecordKind::Teacher, Tutor, "offered"), ["accepted", "declined"]);
        for kind in RecordKind::ALL {
            for (k, f, t, _) in MOVES.iter().filter(|m| m.0 == *kind) {
                assert!(k.statuses().contains(f) && k.statuses().contains(t), "{k} {f}→{t}");
            }
        }
    }

    #[test]
    fn creating_and_editing_follow_the_roles() {
        assert!(may_create(RecordKind::Teacher, Staff).is_ok());
        assert!(may_create(RecordKind::Teacher, Tutor).is_err());
        assert!(may_create(RecordKind::Meeting, Student).is_err());
        assert!(may_create(RecordKind::File, Student).is_ok());
        assert!(may_create(RecordKind::File, Rel::Other).is_err());
        assert!(may_edit(RecordKind::Meeting, Tutor, "scheduled", false).is_ok());
        assert!(may_edit(RecordKind::Meeting, Tutor, "completed", false).is_err());
        assert!(may_edit(RecordKind::Homework, Student, "", false).is_err());
        assert!(may_edit(RecordKind::File, Student, "", true).is_ok());
        assert!(may_edit(RecordKind::File, Tutor, "", false).is_err());
        assert!(may_edit(RecordKind::Writing, Staff, "draft", false).is_err());
    }

    #[test]
    fn files_are_known_by_their_bytes_and_named_for_display_only() {
        assert_eq!(sniff(b"%PDF-1.7 ..."), "application/pdf");
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), "image/png");
        assert_eq!(sniff("notes: ünïcode\n".as_bytes()), "text/plain");
        assert_eq!(sniff(b"\x00\x01\x02"), "application/octet-stream");
        assert_eq!(sniff(b"\x1b[2Jhello"), "application/octet-stream", "escapes are not text");
        assert_eq!(display_name("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(display_name("C:\\Users\\x\\essay.pdf").unwrap(), "essay.pdf");
        assert_eq!(display_name("..hidden\x1b[31m").unwrap(), "hidden[31m");
        assert!(display_name("dir/").is_err());
        assert!(check_size(0).is_err());
        assert!(check_size(MAX_FILE_BYTES).is_ok());
        assert!(check_size(MAX_FILE_BYTES + 1).is_err());
        assert_eq!(size_label(2048), "2.0 KiB");
        assert!(meeting_code(7).starts_with("MT-1000"));
    }
}
