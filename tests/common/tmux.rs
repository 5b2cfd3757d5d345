//! Drive the real program in tmux, as a person would.

use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    session: String,
    pub home: labdeck::store::testing::TempDir,
}

impl Tmux {
    pub fn start(args: &str) -> Tmux {
        Tmux::start_with_env("", args)
    }

    /// Start with extra `NAME=value` words in the program's environment.
    pub fn start_with_env(env: &str, args: &str) -> Tmux {
        let home = labdeck::store::testing::TempDir::new();
        let h = home.path.display();
        let cmd = format!(
            "env -u NO_COLOR XDG_DATA_HOME={h}/data XDG_STATE_HOME={h}/state XDG_CONFIG_HOME={h}/config {env} {} {args}",
            env!("CARGO_BIN_EXE_labdeck")
        );
        Tmux::shell(home, &cmd, (200, 60))
    }

    /// Run any shell command (an `ssh` client, say) in a `cols` × `rows` window.
    pub fn shell(home: labdeck::store::testing::TempDir, cmd: &str, (cols, rows): (u16, u16)) -> Tmux {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let session = format!("labdeck-e2e-{}-{n}", std::process::id());
        let cmd = format!("{cmd}; echo EXITED:$?; sleep 60");
        let (x, y) = (cols.to_string(), rows.to_string());
        let ok = Command::new("tmux")
            .args(["new-session", "-d", "-s", &session, "-x", &x, "-y", &y, &cmd])
            .status()
            .expect("tmux is installed (.ci/run installs it)");
        assert!(ok.success(), "tmux new-session failed");
        Tmux { session, home }
    }

    /// Resize the window, as a person dragging its corner.
    pub fn resize(&self, cols: u16, rows: u16) {
        let (x, y) = (cols.to_string(), rows.to_string());
        let ok =
            Command::new("tmux").args(["resize-window", "-t", &self.session, "-x", &x, "-y", &y]).status().unwrap();
        assert!(ok.success(), "tmux resize-window failed");
    }

    pub fn screen(&self) -> String {
        let out = Command::new("tmux").args(["capture-pane", "-p", "-t", &self.session]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = self.screen();
            if s.contains(needle) {
                return s;
            }
            assert!(Instant::now() < deadline, "waited 20 s for {needle:?}; the screen shows:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Send keys one at a time with a pause, as a person types (an Esc followed at once by a
    /// key would read as Alt+key).
    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            let status = Command::new("tmux").args(["send-keys", "-t", &self.session, k]).status().unwrap();
            assert!(status.success());
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    pub fn text(&self, s: &str) {
        let status = Command::new("tmux").args(["send-keys", "-l", "-t", &self.session, s]).status().unwrap();
        assert!(status.success());
        std::thread::sleep(Duration::from_millis(60));
    }

    pub fn format(&self, f: &str) -> String {
        let out = Command::new("tmux").args(["display-message", "-p", "-t", &self.session, f]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["kill-session", "-t", &self.session]).status();
    }
}

/// The password the demo's sign-in screen shows for `user` (role `role`).
pub fn demo_password(screen: &str, role: &str, user: &str) -> String {
    screen
        .lines()
        .find_map(|l| {
            let words: Vec<&str> = l.split(['│', ' ']).filter(|w| !w.is_empty()).collect();
            (words.len() >= 3 && words[0] == role && words[1] == user).then(|| words[2].to_string())
        })
        .unwrap_or_else(|| panic!("the demo shows {user}'s password:\n{screen}"))
}

/// Start the demo and sign in as the demo account `user` (role `role`).
pub fn sign_in(role: &str, user: &str) -> Tmux {
    let t = Tmux::start("demo");
    let screen = t.wait_for("demo accounts");
    let password = demo_password(&screen, role, user);
    t.text(user);
    t.keys(&["Tab"]);
    t.text(&password);
    t.keys(&["Enter"]);
    t
}
