//! Another local user against the first-run caches: trees planted before
//! the first run, and a symbolic link flipped between a directory the
//! victim owns and the attacker's fake tree while the victim runs the
//! application many times. The attacker's code writes a marker file; it
//! must never appear. The victim is root (as the issue's report found it);
//! the attacker is a second user.

use super::*;
use std::path::{Path, PathBuf};
use std::process::Output;

/// The cache key a frozen executable's trailer names (its last 32 bytes).
fn exe_key(exe: &Path) -> String {
    let bytes = std::fs::read(exe).expect("read exe");
    bytes[bytes.len() - 32..]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A fake unpacked tree under `root/key` whose "interpreter" writes `marker`.
const FAKE_EXE_TREE: &str = r##"
import os, sys
root, key, marker = sys.argv[1:4]
tree = os.path.join(root, key)
os.makedirs(os.path.join(tree, ".gradient"), exist_ok=True)
open(os.path.join(tree, ".gradient/complete"), "w").write(key)
open(os.path.join(tree, ".gradient/manifest"), "w").write(
    "format=1\napp=greet-1.2.0\nprogram=evil\n")
evil = os.path.join(tree, "evil")
open(evil, "w").write("#!/bin/sh\necho ran > %s\n" % marker)
os.chmod(evil, 0o755)
for d in (root, tree, os.path.join(tree, ".gradient")):
    os.chmod(d, 0o755)
"##;

/// The victim runs the executable with no usable HOME: the cache is the
/// per-user directory in the shared temporary directory `tmp`.
fn victim_runs_exe(exe: &Path, tmp: &Path) -> Output {
    run(Command::new(exe)
        .arg("victim")
        .env_remove("HOME")
        .env_remove("XDG_CACHE_HOME")
        .env_remove("GRADIENT_EXE_CACHE")
        .env("TMPDIR", tmp))
}

/// Each run either is the real application or a refusal naming the cache.
fn judge(out: &Output, hello: &str, cache: &str) -> &'static str {
    match out.status.code() {
        Some(0) if stdout(out) == hello => "ran the application",
        Some(70) if stderr(out).contains(cache) => "refused the cache",
        _ => panic!(
            "neither the application nor a refusal ({:?}): {}{}",
            out.status,
            stdout(out),
            stderr(out)
        ),
    }
}

#[test]
fn trust_exe_cache_planted_trees_and_flipped_links_never_run_another_users_code() {
    let exe = crate::exe::built();
    let key = exe_key(exe);
    let shared = shared_dir();
    let s = shared.path();
    let marker = s.join("attacker-code-ran");
    let cache = s.join("gradient-exe-0");
    let cache_s = cache.to_str().expect("utf-8");
    let marker_s = marker.to_str().expect("utf-8");

    // 1. The attacker made the fallback directory first, with a tree in it.
    attacker_does(&mut as_attacker(FAKE_EXE_TREE, &[cache_s, &key, marker_s]));
    for _ in 0..20 {
        let out = victim_runs_exe(exe, s);
        assert_eq!(
            judge(&out, "Hello, victim!\n", "gradient-exe-0"),
            "refused the cache"
        );
        assert!(!marker.exists(), "the attacker's planted tree ran");
    }
    attacker_does(&mut as_attacker(
        "import shutil, sys; shutil.rmtree(sys.argv[1])",
        &[cache_s],
    ));

    // 2. The fallback path is the attacker's link, flipped between a
    // directory the victim owns and the attacker's fake tree.
    let victims = s.join("victim-owned");
    std::fs::create_dir(&victims).expect("mkdir");
    let fake = s.join("fake");
    attacker_does(&mut as_attacker(
        FAKE_EXE_TREE,
        &[fake.to_str().expect("utf-8"), &key, marker_s],
    ));
    let stop = s.join("stop");
    let flipper = flip(&cache, &victims, &fake, &stop);
    let mut outcomes = std::collections::BTreeMap::new();
    for _ in 0..200 {
        let out = victim_runs_exe(exe, s);
        *outcomes
            .entry(judge(&out, "Hello, victim!\n", "gradient-exe-0"))
            .or_insert(0) += 1;
    }
    let rounds = stop_flipping(flipper, &stop);
    assert!(rounds > 0, "the attacker kept flipping");
    assert!(
        !marker.exists(),
        "the attacker's code ran as the victim ({outcomes:?})"
    );

    // 3. Once the attacker's link is gone the victim's own cache works.
    attacker_does(&mut as_attacker(
        "import os, sys; os.unlink(sys.argv[1])",
        &[cache_s],
    ));
    let out = victim_runs_exe(exe, s);
    assert_eq!(
        judge(&out, "Hello, victim!\n", "gradient-exe-0"),
        "ran the application"
    );
    let meta = std::fs::symlink_metadata(&cache).expect("the victim's cache");
    assert!(meta.is_dir());
    assert_eq!(std::os::unix::fs::MetadataExt::mode(&meta) & 0o777, 0o700);
}

/// The native zipapp of the fixture application (built once per process).
fn native_pyz() -> &'static Path {
    static PYZ: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &PYZ.get_or_init(|| {
        let (tmp, app) = fixture("app");
        let wheels = app_wheels("host");
        let report = build_json(
            &app,
            &tmp.path().join("dist"),
            &[
                "--format",
                "zipapp",
                "--wheelhouse",
                wheels.to_str().expect("utf-8"),
            ],
        );
        let pyz = artifact(&report, "zipapp");
        (tmp, pyz)
    })
    .1
}

/// The bootstrap's cache key and the module it imports, read from the
/// archive as an attacker would.
fn pyz_key_and_module(pyz: &Path) -> (String, String) {
    let out = run(Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read('__main__.py').decode())",
        ])
        .arg(pyz));
    let main = stdout(&out);
    let key = main
        .lines()
        .find_map(|l| l.strip_prefix("_KEY = \""))
        .and_then(|k| k.strip_suffix('"'))
        .expect("a key")
        .to_string();
    let module = main
        .lines()
        .rev()
        .filter_map(|l| l.strip_prefix("from "))
        .find_map(|l| l.split_once(" import "))
        .map(|(m, _)| m.to_string())
        .expect("the entry module");
    (key, module)
}

/// A fake extracted tree under `root/key`: every package on the way to the
/// entry module writes `marker` when imported; even our marker is forged.
const FAKE_PYZ_TREE: &str = r#"
import os, sys
root, key, module, marker = sys.argv[1:5]
code = "open(%r, 'w').write('ran')\ndef main():\n    return 0\n" % marker
tree = path = os.path.join(root, key)
os.makedirs(tree, exist_ok=True)
parts = module.split(".")
for p in parts[:-1]:
    path = os.path.join(path, p)
    os.makedirs(path, exist_ok=True)
    open(os.path.join(path, "__init__.py"), "w").write(code)
open(os.path.join(path, parts[-1] + ".py"), "w").write(code)
open(os.path.join(tree, ".gradient-complete"), "w").write(key)
for d, _, _ in os.walk(root):
    os.chmod(d, 0o755)
"#;

fn victim_runs_pyz(pyz: &Path, cache: &Path) -> Output {
    run(Command::new("python3")
        .arg(pyz)
        .arg("victim")
        .env("GRADIENT_ZIPAPP_CACHE", cache))
}

#[test]
fn trust_zipapp_cache_planted_trees_and_flipped_links_never_run_another_users_code() {
    let pyz = native_pyz();
    let (key, module) = pyz_key_and_module(pyz);
    let shared = shared_dir();
    let s = shared.path();
    let marker = s.join("attacker-code-ran");
    let marker_s = marker.to_str().expect("utf-8");

    // 1. A cache on a shared directory, where the attacker planted the tree.
    let planted = s.join("cache");
    let planted_s = planted.to_str().expect("utf-8");
    attacker_does(&mut as_attacker(
        FAKE_PYZ_TREE,
        &[planted_s, &key, &module, marker_s],
    ));
    for _ in 0..20 {
        let out = victim_runs_pyz(pyz, &planted);
        assert_eq!(
            judge(&out, "Hello, victim!\n", planted_s),
            "refused the cache"
        );
        assert!(!marker.exists(), "the attacker's planted tree was imported");
    }

    // 2. The cache path is the attacker's link, flipped between a directory
    // the victim owns and the attacker's fake tree.
    let link = s.join("flipped");
    let link_s = link.to_str().expect("utf-8");
    let victims = s.join("victim-owned");
    std::fs::create_dir(&victims).expect("mkdir");
    let stop = s.join("stop");
    let flipper = flip(&link, &victims, &planted, &stop);
    let mut outcomes = std::collections::BTreeMap::new();
    for _ in 0..100 {
        let out = victim_runs_pyz(pyz, &link);
        *outcomes
            .entry(judge(&out, "Hello, victim!\n", link_s))
            .or_insert(0) += 1;
    }
    let rounds = stop_flipping(flipper, &stop);
    assert!(rounds > 0, "the attacker kept flipping");
    assert!(
        !marker.exists(),
        "the attacker's code ran as the victim ({outcomes:?})"
    );

    // 3. The victim's own private cache in the same shared directory works.
    let mine = s.join("mine");
    let out = victim_runs_pyz(pyz, &mine);
    assert_eq!(
        judge(&out, "Hello, victim!\n", "mine"),
        "ran the application"
    );
    assert!(mine.join(&key).join(".gradient-complete").is_file());
}
