//! A person's profile (seed 004's STUDENTS / TEACHERS / CS_REPS / ADMINS fields, issue 18):
//! names, contact, time zone, subjects and a short bio, cleaned and bounded here; and the
//! avatar a terminal can show, their initials.

use super::sanitize;

/// A one-line field, in characters.
pub const MAX_FIELD_CHARS: usize = 80;
/// The bio, in characters.
pub const MAX_BIO_CHARS: usize = 400;

/// A profile as shown and edited: empty strings are unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    pub display_name: String,
    pub first_name: String,
    pub last_name: String,
    /// Seed 004's phone: how to reach them besides the account's email.
    pub phone: String,
    pub time_zone: String,
    /// What they teach or study ("Calculus, Physics"): seed 004's TEACHERS.expertise.
    pub subjects: String,
    pub bio: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("{0} is too long (at most {1} characters)")]
    TooLong(&'static str, usize),
    #[error("'{0}' is not a time zone (like Europe/Berlin or UTC)")]
    Zone(String),
}

fn one_line(what: &'static str, raw: &str) -> Result<String, Invalid> {
    let v = sanitize::line(raw).trim().to_string();
    if v.chars().count() > MAX_FIELD_CHARS { Err(Invalid::TooLong(what, MAX_FIELD_CHARS)) } else { Ok(v) }
}

impl Profile {
    /// The profile as typed, cleaned: no control or escape sequences, bounded, a real zone.
    pub fn clean(&self) -> Result<Profile, Invalid> {
        let zone = self.time_zone.trim();
        let zone = if zone.is_empty() { "UTC" } else { zone };
        zone.parse::<chrono_tz::Tz>().map_err(|_| Invalid::Zone(sanitize::line(zone)))?;
        let bio = sanitize::line(&self.bio).trim().to_string();
        if bio.chars().count() > MAX_BIO_CHARS {
            return Err(Invalid::TooLong("bio", MAX_BIO_CHARS));
        }
        Ok(Profile {
            display_name: one_line("display name", &self.display_name)?,
            first_name: one_line("first name", &self.first_name)?,
            last_name: one_line("last name", &self.last_name)?,
            phone: one_line("phone", &self.phone)?,
            time_zone: zone.to_string(),
            subjects: one_line("subjects", &self.subjects)?,
            bio,
        })
    }

    /// Their avatar: initials of the first and last name, else of the display name.
    pub fn initials(&self) -> String {
        initials(&self.first_name, &self.last_name, &self.display_name)
    }
}

/// "AL" for Ada Lovelace; from the display name's first two words when the names are unset;
/// "?" for nobody.
pub fn initials(first: &str, last: &str, display: &str) -> String {
    let letter = |s: &str| s.chars().find(|c| c.is_alphanumeric()).map(|c| c.to_uppercase().collect::<String>());
    let from_names: String = [letter(first), letter(last)].into_iter().flatten().collect();
    if !from_names.is_empty() {
        return from_names;
    }
    let from_display: String = display.split_whitespace().take(2).filter_map(letter).collect();
    if from_display.is_empty() { "?".into() } else { from_display }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_come_from_the_names_or_the_display_name() {
        assert_eq!(initials("Ada", "Lovelace", "x"), "AL");
        assert_eq!(initials("", "", "tim tutor"), "TT");
        assert_eq!(initials("", "", "sam"), "S");
        assert_eq!(initials(" ", "", ""), "?");
        assert_eq!(initials("émile", "", ""), "É");
    }

    #[test]
    fn a_profile_is_cleaned_and_bounded() {
        let p = Profile { first_name: "Ada\x1b[2J".into(), time_zone: "".into(), ..Profile::default() };
        let c = p.clean().unwrap();
        assert_eq!((c.first_name.as_str(), c.time_zone.as_str()), ("Ada[2J", "UTC"));
        assert!(Profile { time_zone: "Mars/Olympus".into(), ..Profile::default() }.clean().is_err());
        assert!(Profile { bio: "x".repeat(MAX_BIO_CHARS + 1), ..Profile::default() }.clean().is_err());
        assert!(Profile { phone: "1".repeat(81), ..Profile::default() }.clean().is_err());
    }
}
