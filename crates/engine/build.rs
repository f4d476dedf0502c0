//! Builds the frozen-executable launcher stub (`crates/launcher`) as a
//! static, stripped release binary for the target being compiled, and leaves
//! it in `OUT_DIR` for the engine to embed. Every front end (the `gradient`
//! command, the studio, `cargo install`) then ships the stub inside itself:
//! no second program to build, find or keep in step.
//!
//! The stub is built by a nested cargo in its own target directory (beside
//! the outer one, so check, test and build share it and it is built once);
//! the outer build's jobserver is inherited, so the nested build does not
//! oversubscribe the machine.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let launcher = manifest_dir.join("../launcher");
    for watched in ["src", "Cargo.toml"] {
        println!(
            "cargo:rerun-if-changed={}",
            launcher.join(watched).display()
        );
    }
    println!("cargo:rerun-if-changed=../../Cargo.lock");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    let target = env::var("TARGET").expect("set by cargo");
    let target_dir = stub_target_dir(&out_dir);

    // Statically linked so a frozen executable runs on any system with a
    // kernel, whatever its C library; a dynamic stub is the fallback where
    // the static C library is not installed, and says so.
    let built = build_stub(&launcher, &target, &target_dir, true).or_else(|static_err| {
        println!(
            "cargo:warning=the static launcher stub could not be built, so frozen executables \
             will need a compatible glibc where they run: {static_err}"
        );
        build_stub(&launcher, &target, &target_dir, false)
    });
    match built {
        Ok(stub) => {
            std::fs::copy(&stub, out_dir.join("gradient-launcher"))
                .unwrap_or_else(|e| panic!("copying {}: {e}", stub.display()));
        }
        Err(e) => panic!("building the launcher stub (crates/launcher): {e}"),
    }
}

/// `<target>/launcher-stub` when `OUT_DIR` has cargo's usual shape
/// (`<target>/<profile>/build/<pkg>-<hash>/out`), else inside `OUT_DIR`.
fn stub_target_dir(out_dir: &Path) -> PathBuf {
    out_dir
        .ancestors()
        .nth(4)
        .filter(|t| t.join("CACHEDIR.TAG").exists())
        .map(|t| t.join("launcher-stub"))
        .unwrap_or_else(|| out_dir.join("launcher-stub"))
}

fn build_stub(
    launcher: &Path,
    target: &str,
    target_dir: &Path,
    static_crt: bool,
) -> Result<PathBuf, String> {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut flags = vec!["-Cstrip=symbols"];
    if static_crt {
        flags.push("-Ctarget-feature=+crt-static");
    }
    let output = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--bin",
            "gradient-launcher",
            "--target",
            target,
        ])
        .arg("--manifest-path")
        .arg(launcher.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        // The outer build's flags and wrappers (clippy's driver, coverage
        // instrumentation) are for the engine, not for the stub.
        .env_remove("RUSTFLAGS")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .env("CARGO_ENCODED_RUSTFLAGS", flags.join("\x1f"))
        .output()
        .map_err(|e| format!("running cargo: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    Ok(target_dir.join(target).join("release/gradient-launcher"))
}
