//! The Debian package, built from `[package.metadata.deb]` in Cargo.toml and checked the way
//! an admin would meet it: unpacked into a throwaway root (`dpkg -x`), its binary runs
//! (`--version`, `demo --seed-only`), its systemd units pass `systemd-analyze verify`, its
//! maintainer scripts parse, and its man page and completions are there.
//!
//! Two builds are checked, both around the binary this test run built (stripped, as the
//! release profile strips): `cargo deb` (CI installs cargo-deb: `cargo install cargo-deb
//! --locked`, about two CPU-minutes), and a tree laid out here from the same metadata and packed
//! with `dpkg-deb`, for machines without cargo-deb. Building the whole tree in release mode
//! for the test would cost more than everything else in CI; `assets/debian/build-deb.sh` is
//! the release path. Needs dpkg-deb (Debian and derivatives); elsewhere the test says it skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn have(tool: &str) -> bool {
    Command::new("sh").arg("-c").arg(format!("command -v {tool}")).output().is_ok_and(|o| o.status.success())
}

fn sh(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

struct Meta {
    name: String,
    version: String,
    description: String,
    deb: toml::Table,
}

fn meta() -> Meta {
    let text = std::fs::read_to_string(repo().join("Cargo.toml")).unwrap();
    let manifest: toml::Table = text.parse().unwrap();
    let package = manifest["package"].as_table().unwrap();
    let s = |k: &str| package[k].as_str().unwrap().to_string();
    let deb = package["metadata"]["deb"].as_table().expect("[package.metadata.deb]").clone();
    Meta { name: s("name"), version: s("version"), description: s("description"), deb }
}

/// Where an asset's source is: the test's own binary for the release binary, the freshly
/// generated files for `target/deb-assets/`, the repository for the rest.
fn source(src: &str, generated: &Path) -> PathBuf {
    if src == "target/release/labdeck" {
        PathBuf::from(env!("CARGO_BIN_EXE_labdeck"))
    } else if let Some(rest) = src.strip_prefix("target/deb-assets/") {
        generated.join(rest)
    } else {
        repo().join(src)
    }
}

/// Lay out the package tree as cargo-deb would and build the .deb with dpkg-deb.
fn build_deb(work: &Path) -> PathBuf {
    let m = meta();
    let generated = work.join("deb-assets");
    sh(Command::new(repo().join("assets/debian/gen-assets.sh")).arg(env!("CARGO_BIN_EXE_labdeck")).arg(&generated));
    let root = work.join("tree");
    for asset in m.deb["assets"].as_array().unwrap() {
        let a = asset.as_array().unwrap();
        let (src, dest, mode) = (a[0].as_str().unwrap(), a[1].as_str().unwrap(), a[2].as_str().unwrap());
        let from = source(src, &generated);
        let to = if dest.ends_with('/') {
            root.join(dest).join(Path::new(src).file_name().unwrap())
        } else {
            root.join(dest)
        };
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        if src == "target/release/labdeck" && have("strip") {
            // As the release profile does (strip = true); the debug binary is ~300 MB.
            sh(Command::new("strip").arg("-o").arg(&to).arg(&from));
        } else {
            std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
        }
        let mode = u32::from_str_radix(mode, 8).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let control = root.join("DEBIAN");
    std::fs::create_dir_all(&control).unwrap();
    let scripts = repo().join(m.deb["maintainer-scripts"].as_str().unwrap());
    for entry in std::fs::read_dir(&scripts).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        if ["preinst", "postinst", "prerm", "postrm"].contains(&name.as_str()) {
            std::fs::copy(&p, control.join(&name)).unwrap();
        }
    }
    let arch = sh(Command::new("dpkg").arg("--print-architecture")).trim().to_string();
    // cargo-deb fills $auto from the binary's shared libraries (dpkg-shlibdeps): for this
    // binary libc6 and libgcc-s1.
    let depends = m.deb["depends"].as_str().unwrap().replace("$auto", "libc6, libgcc-s1");
    let long = format!(" {}", m.deb["extended-description"].as_str().unwrap().trim());
    let text = format!(
        "Package: {}\nVersion: {}-1\nArchitecture: {arch}\nMaintainer: {}\nSection: {}\nPriority: {}\nDepends: {depends}\nDescription: {}\n{long}\n",
        m.name,
        m.version,
        m.deb["maintainer"].as_str().unwrap(),
        m.deb["section"].as_str().unwrap(),
        m.deb["priority"].as_str().unwrap(),
        m.description,
    );
    std::fs::write(control.join("control"), text).unwrap();
    let deb = work.join(format!("{}_{}-1_{arch}.deb", m.name, m.version));
    sh(Command::new("dpkg-deb").args(["--root-owner-group", "-Zgzip", "-z1", "--build"]).arg(&root).arg(&deb));
    deb
}

/// Where cargo-deb is installed (`cargo install cargo-deb`), the package it builds from the
/// same metadata, around the same (stripped) binary: cargo-deb finds `target/release/labdeck`
/// in CARGO_TARGET_DIR and the generated assets under the repository's `target/deb-assets`.
fn cargo_deb(work: &Path) -> Option<PathBuf> {
    let probe = Command::new("cargo").args(["deb", "--version"]).output().ok()?;
    if !probe.status.success() {
        return None;
    }
    let target = work.join("cargo-target");
    std::fs::create_dir_all(target.join("release")).unwrap();
    sh(Command::new("strip").arg("-o").arg(target.join("release/labdeck")).arg(env!("CARGO_BIN_EXE_labdeck")));
    sh(Command::new(repo().join("assets/debian/gen-assets.sh"))
        .arg(env!("CARGO_BIN_EXE_labdeck"))
        .arg(repo().join("target/deb-assets")));
    let deb = work.join("cargo-deb.deb");
    sh(Command::new("cargo")
        .args(["deb", "--no-build", "--no-strip", "--fast", "--output"])
        .arg(&deb)
        .current_dir(repo())
        .env("CARGO_TARGET_DIR", &target));
    Some(deb)
}

#[test]
fn the_debian_package_installs_and_runs() {
    if !have("dpkg-deb") {
        assert!(std::env::var_os("CI").is_none(), "dpkg-deb is part of dpkg on the CI machine");
        eprintln!("\n*** SKIPPED: dpkg-deb is not installed; the Debian package was NOT tested ***\n");
        return;
    }
    let work = labdeck::store::testing::TempDir::new();
    check(&work.path.join("staged"), &build_deb(&work.path));
    match cargo_deb(&work.path) {
        Some(deb) => check(&work.path.join("cargo-deb"), &deb),
        None => {
            assert!(std::env::var_os("CI").is_none(), "cargo-deb is missing in CI: .ci/run installs it");
            eprintln!("*** cargo-deb is not installed: only the dpkg-deb build was checked ***")
        }
    }
}

/// Unpack `deb` below `dir` and check it as an admin would meet it.
fn check(dir: &Path, deb: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let info = sh(Command::new("dpkg-deb").arg("--info").arg(deb));
    assert!(info.contains("Package: labdeck") && info.contains("adduser"), "{info}");
    let contents = sh(Command::new("dpkg-deb").arg("--contents").arg(deb));
    for path in [
        "usr/bin/labdeck",
        "usr/share/doc/labdeck/config.example.toml",
        "lib/systemd/system/labdeck-poll.service",
        "lib/systemd/system/labdeck-serve.service",
        "usr/share/man/man1/labdeck.1.gz",
        "usr/share/bash-completion/completions/labdeck",
        "usr/share/zsh/vendor-completions/_labdeck",
        "usr/share/fish/vendor_completions.d/labdeck.fish",
    ] {
        assert!(contents.contains(path), "{path} missing from:\n{contents}");
    }

    // Unpack into a throwaway root and run what was unpacked.
    let root = dir.join("root");
    sh(Command::new("dpkg").arg("-x").arg(deb).arg(&root));
    let bin = root.join("usr/bin/labdeck");
    let version = sh(Command::new(&bin).arg("--version"));
    assert_eq!(version.trim(), format!("labdeck {}", env!("CARGO_PKG_VERSION")));
    let home = dir.join("home");
    let db = format!("sqlite://{}/demo.db", dir.display());
    let seeded = sh(Command::new(&bin)
        .args(["--database-url", &db, "demo", "--seed-only"])
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("LABDECK_DATABASE_URL"));
    assert!(seeded.contains("accounts (passwords are shown this once):") && seeded.contains("ada"), "{seeded}");

    // The man page is a gzipped roff page about labdeck.
    let man = sh(Command::new("sh")
        .arg("-c")
        .arg(format!("gzip -dc {}", root.join("usr/share/man/man1/labdeck.1.gz").display())));
    assert!(man.contains(".TH labdeck 1"), "{}", &man[..man.len().min(200)]);

    // Maintainer scripts parse; the postinst creates the labdeck user.
    let control = dir.join("control");
    sh(Command::new("dpkg-deb").arg("--control").arg(deb).arg(&control));
    for script in ["postinst", "prerm", "postrm"] {
        sh(Command::new("sh").arg("-n").arg(control.join(script)));
    }
    let postinst = std::fs::read_to_string(control.join("postinst")).unwrap();
    assert!(postinst.contains("adduser --system") && postinst.contains("/var/lib/labdeck"));

    // The units, hardened as promised, pass systemd-analyze (where systemd is installed).
    for unit in ["labdeck-poll.service", "labdeck-serve.service"] {
        let text = std::fs::read_to_string(root.join("lib/systemd/system").join(unit)).unwrap();
        for line in [
            "User=labdeck",
            "StateDirectory=labdeck",
            "ProtectSystem=strict",
            "NoNewPrivileges=yes",
            "Restart=on-failure",
        ] {
            assert!(text.lines().any(|l| l == line), "{unit} lacks {line}");
        }
        if !have("systemd-analyze") {
            eprintln!("*** systemd-analyze is not installed: {unit} was not verified ***");
            continue;
        }
        // Verify a copy whose ExecStart points into the unpacked root (the host has no
        // /usr/bin/labdeck); warnings fail the test too.
        let copy = dir.join(unit);
        std::fs::write(&copy, text.replace("/usr/bin/labdeck", &bin.display().to_string())).unwrap();
        let out = Command::new("systemd-analyze").args(["verify", "--man=no"]).arg(&copy).output().unwrap();
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && said.trim().is_empty(), "{unit}: {said}");
    }
}
