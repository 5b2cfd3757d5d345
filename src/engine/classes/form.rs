//! The class form as typed, checked and turned into what the store keeps.

use crate::domain::classes::hours::{AllowedHours, parse_zone};
use crate::domain::classes::vmid::MAX_POOL;
use crate::domain::sanitize;
use crate::engine::AppError;
use crate::store::classes::{Class, ClassInput};

/// The fields of the class form, as text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClassForm {
    pub name: String,
    pub description: String,
    /// A template's VMID or name.
    pub template: String,
    pub node: String,
    pub pool_size: String,
    pub cpu_cores: String,
    pub memory_mb: String,
    pub disk_gb: String,
    /// "08:00-20:00", empty for any time.
    pub hours: String,
    pub time_zone: String,
    /// "off" or "5%/30m" (CPU below 5 % for 30 minutes).
    pub auto_shutdown: String,
    /// Empty for no limit.
    pub max_hours: String,
    /// Minutes to power VMs on before the hours begin; empty for off.
    pub power_on_lead: String,
}

impl ClassForm {
    /// The form filled from a class, for editing.
    pub fn of(c: &Class) -> ClassForm {
        ClassForm {
            name: c.name.clone(),
            description: c.description.clone().unwrap_or_default(),
            template: c.template_vmid.map(|v| v.to_string()).unwrap_or_default(),
            node: c.deployment_node.clone().unwrap_or_default(),
            pool_size: c.pool_size.to_string(),
            cpu_cores: c.cpu_cores.to_string(),
            memory_mb: c.memory_mb.to_string(),
            disk_gb: c.disk_size_gb.to_string(),
            hours: c.hours().map(|h| h.label()).unwrap_or_default(),
            time_zone: c.time_zone.clone(),
            auto_shutdown: if c.auto_shutdown_enabled {
                format!("{}%/{}m", c.auto_shutdown_cpu_percent, c.auto_shutdown_idle_minutes)
            } else {
                "off".into()
            },
            max_hours: c.max_usage_hours.map(|h| h.to_string()).unwrap_or_default(),
            power_on_lead: c.power_on_lead_minutes.map(|m| m.to_string()).unwrap_or_default(),
        }
    }
}

fn number(field: &str, text: &str, min: i64, max: i64) -> Result<i64, AppError> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| AppError::Invalid(format!("{field}: a whole number from {min} to {max}.")))
}

fn optional(field: &str, text: &str, min: i64, max: i64) -> Result<Option<i64>, AppError> {
    if text.trim().is_empty() || text.trim().eq_ignore_ascii_case("none") {
        Ok(None)
    } else {
        number(field, text, min, max).map(Some)
    }
}

/// "off" → disabled; "5%/30m" → (5.0, 30).
pub fn parse_auto_shutdown(text: &str) -> Result<Option<(f64, i64)>, AppError> {
    let t = text.trim().to_ascii_lowercase();
    if t.is_empty() || t == "off" || t == "no" {
        return Ok(None);
    }
    let bad = || AppError::Invalid("Auto shutdown: 'off' or CPU%/minutes idle, e.g. 5%/30m.".into());
    let (cpu, minutes) = t.split_once('/').ok_or_else(bad)?;
    let cpu: f64 = cpu.trim().trim_end_matches('%').trim().parse().map_err(|_| bad())?;
    let minutes: i64 = minutes.trim().trim_end_matches('m').trim().parse().map_err(|_| bad())?;
    if !(0.0..=100.0).contains(&cpu) || !(1..=720).contains(&minutes) {
        return Err(bad());
    }
    Ok(Some((cpu, minutes)))
}

/// Check the form; the template is resolved by the caller (it needs the store).
pub fn parse(form: &ClassForm, template_id: Option<uuid::Uuid>) -> Result<ClassInput, AppError> {
    let name = sanitize::line(&form.name).trim().to_string();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::Invalid("Name: 1 to 80 characters.".into()));
    }
    let zone = if form.time_zone.trim().is_empty() { "UTC".to_string() } else { form.time_zone.trim().to_string() };
    parse_zone(&zone)?;
    let hours = AllowedHours::parse(&form.hours).map_err(|e| AppError::Invalid(format!("Hours: {e}")))?;
    let shutdown = parse_auto_shutdown(&form.auto_shutdown)?;
    let node = sanitize::line(&form.node).trim().to_string();
    if !node.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') {
        return Err(AppError::Invalid("Node: a Proxmox node name (letters, digits, '-').".into()));
    }
    let description = sanitize::multiline(&form.description).trim().to_string();
    Ok(ClassInput {
        name,
        description: (!description.is_empty()).then_some(description),
        template_id,
        node: (!node.is_empty()).then_some(node),
        pool_size: number("Pool size", &form.pool_size, 0, MAX_POOL)?,
        cpu_cores: number("CPU cores", &form.cpu_cores, 1, 128)?,
        memory_mb: number("Memory MB", &form.memory_mb, 16, 1_048_576)?,
        disk_size_gb: number("Disk GB", &form.disk_gb, 1, 65_536)?,
        hours,
        time_zone: zone,
        auto_shutdown: shutdown.is_some(),
        cpu_percent: shutdown.map(|s| s.0).unwrap_or(5.0),
        idle_minutes: shutdown.map(|s| s.1).unwrap_or(30),
        // 0 (or "none") is no limit; empty is no limit too, except that a new class takes
        // the default budget from the settings (engine::classes::manage::create).
        max_usage_hours: optional("Max hours", &form.max_hours, 0, 100_000)?.filter(|h| *h > 0),
        power_on_lead_minutes: optional("Power on before", &form.power_on_lead, 1, 720)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> ClassForm {
        ClassForm {
            name: "Linux\u{1b}[31m 101".into(),
            pool_size: "3".into(),
            cpu_cores: "2".into(),
            memory_mb: "2048".into(),
            disk_gb: "32".into(),
            hours: "22:00-06:00".into(),
            time_zone: "Europe/Berlin".into(),
            auto_shutdown: "5%/30m".into(),
            ..ClassForm::default()
        }
    }

    #[test]
    fn a_good_form_parses_and_text_is_sanitised() {
        let i = parse(&form(), None).unwrap();
        assert!(!i.name.contains('\u{1b}'));
        assert_eq!(i.hours.map(|h| h.label()), Some("22:00-06:00".into()));
        assert!(i.auto_shutdown);
        assert_eq!((i.cpu_percent, i.idle_minutes), (5.0, 30));
        assert_eq!(i.max_usage_hours, None);
    }

    #[test]
    fn bad_fields_say_which_and_why() {
        let e = |f: ClassForm| parse(&f, None).unwrap_err().to_string();
        assert!(e(ClassForm { pool_size: "500".into(), ..form() }).starts_with("Pool size"));
        assert!(e(ClassForm { time_zone: "Mars/Base".into(), ..form() }).contains("time zone"));
        assert!(e(ClassForm { hours: "8-20".into(), ..form() }).starts_with("Hours"));
        assert!(e(ClassForm { auto_shutdown: "sometimes".into(), ..form() }).starts_with("Auto shutdown"));
        assert!(e(ClassForm { name: " ".into(), ..form() }).starts_with("Name"));
    }
}
