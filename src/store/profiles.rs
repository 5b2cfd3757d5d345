//! People's profiles (seed 004's role-profile fields, issue 18): each user edits their own in
//! the Me tab; wherever a person appears to others (a thread's people) a card shows their
//! initials, name, role, time zone and subjects — never their phone.

use crate::domain::audit::Entry;
use crate::domain::profile::{Profile, initials};
use crate::domain::rbac::Actor;
use crate::domain::time;
use crate::store::tx::{BeginWrite, TxExt};
use crate::store::{Store, StoreError, on_pool};
use uuid::Uuid;

/// How a person shows beside what they wrote or joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonCard {
    pub user_id: Uuid,
    pub initials: String,
    pub display_name: String,
    pub role: String,
    pub time_zone: String,
    pub subjects: String,
}

/// (display name, time zone, first, last, phone, subjects, bio)
type ProfileRow = (String, String, Option<String>, Option<String>, Option<String>, Option<String>, Option<String>);
/// (id, display name, role, time zone, first, last, subjects)
type CardRow = (Uuid, String, String, String, Option<String>, Option<String>, Option<String>);

fn card((user_id, display_name, role, time_zone, first, last, subjects): CardRow) -> PersonCard {
    PersonCard {
        initials: initials(first.as_deref().unwrap_or(""), last.as_deref().unwrap_or(""), &display_name),
        user_id,
        display_name,
        role,
        time_zone,
        subjects: subjects.unwrap_or_default(),
    }
}

const CARDS: &str = "SELECT u.id, u.display_name, u.role, u.time_zone, p.first_name, p.last_name, p.expertise FROM users u \
     LEFT JOIN user_profiles p ON p.user_id = u.id";

impl Store {
    /// The actor's own profile.
    pub async fn my_profile(&self, actor: &Actor) -> Result<Profile, StoreError> {
        let row: Option<ProfileRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT u.display_name, u.time_zone, p.first_name, p.last_name, p.phone, p.expertise, p.bio FROM users u \
             LEFT JOIN user_profiles p ON p.user_id = u.id WHERE u.id = $1",
        ).bind(actor.user_id).fetch_optional(p).await?);
        let (display_name, time_zone, first, last, phone, subjects, bio) =
            row.ok_or_else(|| StoreError::NotFound("user".into()))?;
        Ok(Profile {
            display_name,
            time_zone,
            first_name: first.unwrap_or_default(),
            last_name: last.unwrap_or_default(),
            phone: phone.unwrap_or_default(),
            subjects: subjects.unwrap_or_default(),
            bio: bio.unwrap_or_default(),
        })
    }

    /// Save the actor's own profile (already cleaned): the role profile row, and the display
    /// name and time zone on the user. Audited; open consoles hear "users".
    pub async fn save_profile(&self, actor: &Actor, profile: &Profile, audit: Entry) -> Result<(), StoreError> {
        let now = time::now();
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let display = if profile.display_name.is_empty() { None } else { Some(profile.display_name.as_str()) };
            let n = sqlx::query("UPDATE users SET display_name = coalesce($2, display_name), time_zone = $3, updated_at = $4 WHERE id = $1")
                .bind(actor.user_id).bind(display).bind(&profile.time_zone).bind(now).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound("user".into()));
            }
            sqlx::query("INSERT INTO user_profiles (user_id, first_name, last_name, phone, expertise, bio, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (user_id) DO UPDATE SET first_name = $2, last_name = $3, \
                 phone = $4, expertise = $5, bio = $6, updated_at = $7")
                .bind(actor.user_id).bind(opt(&profile.first_name)).bind(opt(&profile.last_name)).bind(opt(&profile.phone))
                .bind(opt(&profile.subjects)).bind(opt(&profile.bio)).bind(now).execute(&mut *tx).await?;
            tx.audit(&audit.entity(actor.user_id).detail("time_zone", profile.time_zone.as_str())).await?;
            tx.bump("users").await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The people of a thread the actor may see, as cards.
    pub async fn thread_people(&self, actor: &Actor, thread: Uuid) -> Result<Vec<PersonCard>, StoreError> {
        self.may_see_thread(actor, thread).await?;
        let sql = format!(
            "{CARDS} JOIN thread_participants tp ON tp.user_id = u.id WHERE tp.thread_id = $1 ORDER BY tp.created_at, u.username"
        );
        let rows: Vec<CardRow> =
            on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(thread).fetch_all(p).await?);
        Ok(rows.into_iter().map(card).collect())
    }
}
