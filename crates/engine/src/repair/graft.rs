//! Which libraries a platform wheel must carry for a tag, and how every
//! ELF file changes (auditwheel's `repair`, done natively): each needed
//! library that the tag's policy does not let the wheel take from the
//! system, and that the wheel does not bundle, is found as the loader
//! would find it and copied into `<dist>.libs/` under a name mangled with
//! its content's hash (two wheels bundling different copies of one library
//! then load side by side in one process); DT_NEEDED and DT_SONAME are
//! rewritten to the mangled names and the search path becomes
//! `$ORIGIN`-relative.

use crate::elf::patch::Edits;
use crate::elf::policy::{allows_library, blocker_for, tags_best_first, Blocker};
use crate::elf::resolve::locate;
use crate::elf::{analyse, is_loader, ElfInfo, Libc};
use crate::{Error, Result};
use serde::Serialize;
use std::collections::{btree_map, BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// An ELF file of the wheel, unpacked at `disk`.
#[derive(Debug, Clone)]
pub struct WheelElf {
    pub path: String,
    pub disk: PathBuf,
    pub info: ElfInfo,
}

/// A library copied into the wheel.
#[derive(Debug, Clone, Serialize)]
pub struct Graft {
    /// The soname the wheel's code asked for.
    pub soname: String,
    /// Where it was found on this machine.
    pub from: PathBuf,
    /// Its path in the repaired wheel (`<dist>.libs/<mangled>`).
    pub path: String,
    /// Files (members of the wheel or other grafted libraries) needing it.
    pub needed_by: Vec<String>,
    /// The library as found (before its rewrite).
    #[serde(skip)]
    pub info: ElfInfo,
}

impl Graft {
    /// The mangled soname, the file name in `<dist>.libs/`.
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// What the repair will do.
#[derive(Debug)]
pub struct Decision {
    /// The canonical tag the repaired wheel is consistent with.
    pub tag: String,
    pub grafts: Vec<Graft>,
    /// What keeps the repaired wheel from the next better tag, if any.
    pub held_back: Option<Blocker>,
}

/// How to choose: a requested tag, libraries never to bundle, and
/// directories searched after each file's own search path.
pub struct Choice<'a> {
    pub libc: Libc,
    pub arch: &'a str,
    pub plat: Option<&'a str>,
    pub exclude: &'a [String],
    pub libdirs: &'a [PathBuf],
    /// `<dist>.libs`.
    pub libs_dir: &'a str,
}

/// The best tag the wheel can reach (or the requested one), with what it
/// takes to reach it.
pub fn decide(elfs: &[WheelElf], choice: &Choice) -> Result<Decision> {
    let candidates = match choice.plat {
        Some(plat) => vec![plat.to_string()],
        None => tags_best_first(choice.libc, choice.arch),
    };
    let mut last: Option<(String, Blocker)> = None;
    let mut found = Found::new();
    for (i, tag) in candidates.iter().enumerate() {
        let grafts = grafts_for(elfs, tag, choice, &mut found)?;
        let after: Vec<ElfInfo> = simulate(elfs, &grafts)
            .into_iter()
            .map(|i| without_excluded(i, choice.exclude))
            .collect();
        match blocker_for(&after, choice.libc, tag).map_err(Error::Repair)? {
            None => {
                let held_back = i
                    .checked_sub(1)
                    .and_then(|j| candidates.get(j))
                    .and_then(|better| blocker_for(&after, choice.libc, better).ok().flatten());
                return Ok(Decision {
                    tag: tag.clone(),
                    grafts,
                    held_back,
                });
            }
            Some(b) => last = Some((tag.clone(), b)),
        }
    }
    Err(Error::Repair(match last {
        Some((tag, b)) => format!("cannot be tagged {tag}: {}", b.describe()),
        None => format!("no manylinux or musllinux policy knows {}", choice.arch),
    }))
}

/// Libraries named by `--exclude` are left to the system: like auditwheel,
/// the policy check does not count them.
pub fn without_excluded(mut info: ElfInfo, exclude: &[String]) -> ElfInfo {
    info.needed.retain(|n| !exclude.contains(n));
    info.version_needs.retain(|lib, _| !exclude.contains(lib));
    info
}

/// libpython is the interpreter's own: extension modules must not need it
/// (PEP 513 § "libpythonX.Y.so.1"); repair removes the entry.
fn is_libpython(lib: &str) -> bool {
    lib.starts_with("libpython") && lib.contains(".so")
}

/// Libraries already read, by the soname asked for and where it was found:
/// their mangled name and analysis. Each candidate tag asks again for much
/// the same libraries; each is read, hashed and analysed once per repair.
type Found = BTreeMap<(String, PathBuf), (String, ElfInfo)>;

/// The mangled name and analysis of the library `lib` found at `from`.
fn library<'a>(found: &'a mut Found, lib: &str, from: &Path) -> Result<&'a (String, ElfInfo)> {
    match found.entry((lib.to_string(), from.to_path_buf())) {
        btree_map::Entry::Occupied(known) => Ok(known.into_mut()),
        btree_map::Entry::Vacant(slot) => {
            let bytes = std::fs::read(from).map_err(|e| Error::io(from, e))?;
            let info = analyse(&from.to_string_lossy(), &bytes)
                .map_err(|e| Error::Repair(format!("{}: {e}", from.display())))?;
            Ok(slot.insert((mangled(lib, &bytes), info)))
        }
    }
}

/// The libraries to copy so the wheel meets `tag`, transitively.
fn grafts_for(
    elfs: &[WheelElf],
    tag: &str,
    choice: &Choice,
    found: &mut Found,
) -> Result<Vec<Graft>> {
    let bundled: BTreeSet<&str> = elfs
        .iter()
        .flat_map(|e| [e.info.soname.as_deref(), e.path.rsplit('/').next()])
        .flatten()
        .collect();
    let mut grafts: BTreeMap<String, Graft> = BTreeMap::new();
    let mut queue: Vec<(String, PathBuf, ElfInfo)> = elfs
        .iter()
        .map(|e| (e.path.clone(), e.disk.clone(), e.info.clone()))
        .collect();
    while let Some((who, disk, info)) = queue.pop() {
        for lib in &info.needed {
            let keep = is_loader(lib)
                || is_libpython(lib)
                || bundled.contains(lib.as_str())
                || choice.exclude.iter().any(|x| x == lib)
                || allows_library(choice.libc, tag, lib);
            if keep {
                continue;
            }
            if let Some(g) = grafts.get_mut(lib) {
                if !g.needed_by.contains(&who) {
                    g.needed_by.push(who.clone());
                }
                continue;
            }
            let origin = disk.parent().unwrap_or(Path::new("/"));
            let from = locate(lib, origin, &info.rpath, &info.runpath, choice.libdirs)
                .ok_or_else(|| not_found(&who, lib))?;
            let (name, lib_info) = library(found, lib, &from)?.clone();
            let path = format!("{}/{name}", choice.libs_dir);
            queue.push((path.clone(), from.clone(), lib_info.clone()));
            grafts.insert(
                lib.clone(),
                Graft {
                    soname: lib.clone(),
                    from,
                    path,
                    needed_by: vec![who.clone()],
                    info: lib_info,
                },
            );
        }
    }
    Ok(grafts.into_values().collect())
}

fn not_found(who: &str, lib: &str) -> Error {
    Error::Repair(format!(
        "{who} needs {lib}, which is not found on this machine: add its directory to LD_LIBRARY_PATH (or --lib-path), or name it with --exclude to leave it to the system"
    ))
}

/// auditwheel's naming: `libyaml-0.so.2` → `libyaml-0-<sha256[:8]>.so.2`.
fn mangled(soname: &str, bytes: &[u8]) -> String {
    let hash = &crate::record::sha256_hex(bytes)[..8];
    match soname.split_once(".so") {
        Some((base, ext)) => format!("{base}-{hash}.so{ext}"),
        None => format!("{soname}-{hash}"),
    }
}

/// The ELF files of the repaired wheel as the policy check sees them.
fn simulate(elfs: &[WheelElf], grafts: &[Graft]) -> Vec<ElfInfo> {
    let renames: BTreeMap<&str, &str> = grafts
        .iter()
        .map(|g| (g.soname.as_str(), g.name()))
        .collect();
    let rename = |mut info: ElfInfo| {
        info.needed.retain(|n| !is_libpython(n));
        for n in &mut info.needed {
            if let Some(new) = renames.get(n.as_str()) {
                *n = new.to_string();
            }
        }
        info
    };
    let mut out: Vec<ElfInfo> = elfs.iter().map(|e| rename(e.info.clone())).collect();
    for g in grafts {
        let mut info = rename(g.info.clone());
        info.soname = Some(g.name().to_string());
        info.path = g.path.clone();
        out.push(info);
    }
    out
}

/// The edits for a file of the wheel at `path` (or a grafted library when
/// `graft` is its mangled name).
pub fn edits(info: &ElfInfo, path: &str, grafts: &[Graft], graft: Option<&str>) -> Result<Edits> {
    let mut e = Edits::default();
    for n in &info.needed {
        if let Some(g) = grafts.iter().find(|g| &g.soname == n) {
            e.replace_needed.insert(n.clone(), g.name().to_string());
        } else if graft.is_none() && is_libpython(n) {
            e.remove_needed.insert(n.clone());
        }
    }
    let has_path = !info.runpath.is_empty() || !info.rpath.is_empty();
    if let Some(name) = graft {
        e.soname = Some(name.to_string());
        e.runpath = if !e.replace_needed.is_empty() {
            Some(Some("$ORIGIN".into()))
        } else if has_path {
            Some(None)
        } else {
            None
        };
    } else if !e.replace_needed.is_empty() {
        e.runpath = Some(Some(wheel_runpath(info, &installed_path(path)?, grafts)));
    }
    Ok(e)
}

/// Where a member lands relative to the wheel's root once installed:
/// `<dist>.data/platlib/` and `purelib/` are unpacked at the root ("Binary
/// distribution format" § "The .data directory"). A member installed
/// elsewhere (scripts, data, headers) cannot find `<dist>.libs` through
/// `$ORIGIN`, so one that needs a grafted library is refused.
fn installed_path(path: &str) -> Result<String> {
    let Some((top, rest)) = path.split_once('/') else {
        return Ok(path.to_string());
    };
    if !top.ends_with(".data") {
        return Ok(path.to_string());
    }
    match rest.split_once('/') {
        Some(("platlib" | "purelib", inner)) => Ok(inner.to_string()),
        _ => Err(Error::Repair(format!(
            "{path}: an ELF file installed outside the package directories needs a bundled library; move it into the package (auditwheel wraps such scripts in a launcher, Gradient does not yet)"
        ))),
    }
}

/// The search path of a wheel member that needs grafted libraries: its
/// entries that stay inside the wheel (`$ORIGIN...`), then the way to
/// `<dist>.libs` from its directory. Absolute entries (the build
/// machine's directories) are dropped, as auditwheel does.
fn wheel_runpath(info: &ElfInfo, path: &str, grafts: &[Graft]) -> String {
    let from_depth = path.matches('/').count();
    let libs_dir = grafts
        .first()
        .map(|g| g.path.rsplit_once('/').map_or("", |(d, _)| d))
        .unwrap_or_default();
    let up = "../".repeat(from_depth);
    let to_libs = format!("$ORIGIN/{up}{libs_dir}");
    let current = if info.runpath.is_empty() {
        &info.rpath
    } else {
        &info.runpath
    };
    let mut out: Vec<String> = current
        .iter()
        .flat_map(|p| p.split(':'))
        .map(str::to_string)
        .filter(|p| p.starts_with("$ORIGIN") || p.starts_with("${ORIGIN}"))
        .collect();
    if !out.contains(&to_libs) {
        out.push(to_libs);
    }
    out.join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(needed: &[&str], runpath: &[&str]) -> ElfInfo {
        ElfInfo {
            path: String::new(),
            machine: "x86_64".into(),
            bits: 64,
            kind: "shared library",
            soname: None,
            needed: needed.iter().map(|s| s.to_string()).collect(),
            rpath: Vec::new(),
            runpath: runpath.iter().map(|s| s.to_string()).collect(),
            libc: Some(Libc::Glibc),
            python_extension: true,
            version_needs: BTreeMap::new(),
            undefined: BTreeSet::new(),
        }
    }

    fn graft(soname: &str, name: &str) -> Graft {
        Graft {
            soname: soname.into(),
            from: PathBuf::from("/usr/lib").join(soname),
            path: format!("pkg.libs/{name}"),
            needed_by: Vec::new(),
            info: info(&["libc.so.6"], &[]),
        }
    }

    #[test]
    fn names_are_mangled_like_auditwheel() {
        let hash = &crate::record::sha256_hex(b"x")[..8];
        assert_eq!(
            mangled("libyaml-0.so.2", b"x"),
            format!("libyaml-0-{hash}.so.2")
        );
        assert_eq!(mangled("libfoo.so", b"x"), format!("libfoo-{hash}.so"));
        assert_eq!(mangled("weird", b"x"), format!("weird-{hash}"));
    }

    #[test]
    fn members_get_an_origin_relative_path_and_keep_only_in_wheel_entries() {
        let grafts = [graft("libyaml-0.so.2", "libyaml-0-abcdef12.so.2")];
        let ext = info(
            &["libyaml-0.so.2", "libpython3.11.so.1.0", "libc.so.6"],
            &["/build/lib:$ORIGIN/inner"],
        );
        let e = edits(&ext, "pkg/sub/_x.so", &grafts, None).unwrap();
        assert_eq!(
            e.replace_needed["libyaml-0.so.2"],
            "libyaml-0-abcdef12.so.2"
        );
        assert!(e.remove_needed.contains("libpython3.11.so.1.0"));
        assert_eq!(
            e.runpath,
            Some(Some("$ORIGIN/inner:$ORIGIN/../../pkg.libs".into()))
        );
        let platlib = edits(&ext, "pkg-1.data/platlib/_x.so", &grafts, None).unwrap();
        assert_eq!(
            platlib.runpath,
            Some(Some("$ORIGIN/inner:$ORIGIN/pkg.libs".into()))
        );
        assert!(edits(&ext, "pkg-1.data/scripts/tool", &grafts, None).is_err());
        // A file needing nothing grafted is left alone.
        assert!(
            edits(&info(&["libc.so.6"], &[]), "pkg/_y.so", &grafts, None)
                .unwrap()
                .is_empty()
        );
        // A grafted library: its new soname, and its RUNPATH cleared.
        let lib = edits(
            &info(&["libc.so.6"], &["/opt/x"]),
            "pkg.libs/l",
            &grafts,
            Some("l"),
        )
        .unwrap();
        assert_eq!(
            (lib.soname.as_deref(), lib.runpath),
            (Some("l"), Some(None))
        );
    }
}
