//! Where labdeck keeps things: platform directories (XDG on Linux) via `directories`, and who
//! the process runs as.
//!
//! Everything labdeck creates is private to the account it runs as: `private_umask` sets the
//! process umask to 077 at start, so the SQLite file and its WAL, the log files (also the ones
//! the rotation opens later), the data and state directories and the config `labdeck init`
//! writes are created 0600/0700 without each call site having to remember it.

use directories::ProjectDirs;
use std::path::PathBuf;

fn dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("org", "labdeck", "labdeck")
}

fn fallback() -> PathBuf {
    std::env::temp_dir().join("labdeck")
}

pub fn config_file() -> PathBuf {
    dirs().map(|d| d.config_dir().join("config.toml")).unwrap_or_else(|| fallback().join("config.toml"))
}

pub fn data_dir() -> PathBuf {
    dirs().map(|d| d.data_dir().to_path_buf()).unwrap_or_else(fallback)
}

/// Logs and other state that is neither config nor data.
pub fn state_dir() -> PathBuf {
    dirs().map(|d| d.state_dir().unwrap_or(d.data_local_dir()).to_path_buf()).unwrap_or_else(fallback)
}

pub fn default_database_url() -> String {
    format!("sqlite://{}", data_dir().join("labdeck.db").display())
}

pub fn demo_database_url() -> String {
    format!("sqlite://{}", data_dir().join("demo.db").display())
}

/// The directory the rotating log files live in (`labdeck.YYYY-MM-DD.log`).
pub fn log_dir() -> PathBuf {
    state_dir()
}

/// Files and directories this process creates are readable by its own account only.
pub fn private_umask() {
    // SAFETY: umask only swaps the process's file mode mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// The name of the account the process runs as, from the password database (not `$USER`,
/// which anyone can set to anything): what CLI writes are audited as (`cli:alice`).
pub fn os_user() -> String {
    // SAFETY: getpwuid_r writes into `pwd` and `buf`, both owned here and large enough per
    // the ERANGE retry; the name pointer is read only while `buf` is alive.
    let uid = unsafe { libc::geteuid() };
    let mut buf = vec![0u8; 1024];
    loop {
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr().cast(), buf.len(), &mut result as *mut _) };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
            return format!("uid{uid}");
        }
        let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
        return crate::domain::sanitize::line(&name.to_string_lossy());
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn os_user_is_the_account_not_the_environment() {
        let name = super::os_user();
        assert!(!name.is_empty());
        // SAFETY: plain getter.
        let uid = unsafe { libc::geteuid() };
        if uid == 0 {
            assert_eq!(name, "root");
        }
    }
}
