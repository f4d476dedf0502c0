//! `gradient repair`: a platform wheel made installable anywhere its tag
//! promises (PEP 600 manylinux, PEP 656 musllinux), natively, without
//! patchelf. The verdict the inspector computes says which tag the code is
//! consistent with; libraries outside the chosen policy are grafted into
//! `<dist>.libs/` ([`graft`]), every ELF file that changes is rewritten and
//! checked ([`crate::elf::patch::rewrite`]), the wheel is retagged
//! ([`retag`]) and written with a fresh RECORD through the same zip sink as
//! every wheel Gradient builds (deterministic, atomic).

pub mod graft;
pub mod retag;
pub mod unpack;

use crate::elf::policy::{self, Blocker, Verdict};
use crate::elf::{analyse, ElfInfo, Libc};
use crate::plan::{Container, Entry, Format, Plan, Source};
use crate::progress::Progress;
use crate::sink::Written;
use crate::{Error, Result};
use graft::{Choice, Graft, WheelElf};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use unpack::Member;

/// What to ask of a repair.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The platform tag wanted (`manylinux_2_28_x86_64`, or a legacy alias);
    /// default: the most compatible one the code allows.
    pub plat: Option<String>,
    /// Sonames never to bundle (GPU drivers, libEGL): left to the system.
    pub exclude: Vec<String>,
    /// Directories searched for needed libraries after each file's own
    /// search path (beside `LD_LIBRARY_PATH`).
    pub lib_paths: Vec<PathBuf>,
}

/// A repaired wheel, and what changed.
#[derive(Debug, Clone, Serialize)]
pub struct Repaired {
    pub input: PathBuf,
    pub written: Written,
    pub before: Verdict,
    pub after: Verdict,
    /// The platform tags the wheel now carries (canonical first).
    pub tags: Vec<String>,
    pub grafted: Vec<Graft>,
    /// Members whose ELF file was rewritten.
    pub rewritten: Vec<String>,
    /// What keeps the repaired wheel from the next better tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_back: Option<Blocker>,
}

/// Whether a wheel file name says it is a platform wheel that repair
/// applies to (`linux_<arch>`: built on this machine, promising nothing).
pub fn wants_repair(file_name: &str) -> bool {
    retag::platforms(file_name)
        .iter()
        .any(|p| p.starts_with("linux_"))
}

/// Repair `wheel` into `out_dir`.
pub fn repair(
    wheel: &Path,
    opts: &Options,
    out_dir: &Path,
    progress: &dyn Progress,
) -> Result<Repaired> {
    let name = wheel
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    progress.step("unpack");
    let scratch = tempfile::tempdir().map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let unpacked = unpack::unpack(wheel, scratch.path())?;
    let elfs = wheel_elfs(wheel, &unpacked.members)?;
    let infos: Vec<ElfInfo> = elfs.iter().map(|e| e.info.clone()).collect();
    let before = policy::verdict(&infos, None).ok_or_else(|| {
        Error::Repair(format!(
            "{name}: holds no compiled code: a pure wheel needs no repair"
        ))
    })?;
    progress.step("resolve");
    let plat = opts
        .plat
        .as_deref()
        .map(|p| canonical_plat(p, &before))
        .transpose()?;
    let libdirs = search_dirs(&opts.lib_paths);
    let libs_dir = format!(
        "{}.libs",
        unpacked.dist_info.split('-').next().unwrap_or("lib")
    );
    let decision = graft::decide(
        &elfs,
        &Choice {
            libc: before.libc,
            arch: &before.arch,
            plat: plat.as_deref(),
            exclude: &opts.exclude,
            libdirs: &libdirs,
            libs_dir: &libs_dir,
        },
    )
    .map_err(|e| Error::Repair(format!("{name}: {e}")))?;
    progress.step("rewrite");
    let rewrites = rewrite_all(&elfs, &decision.grafts)?;
    let after = verdict_after(&elfs, &rewrites, &opts.exclude, before.libc, &decision.tag)?;
    let tags = policy::tag_with_aliases(before.libc, &decision.tag);
    progress.step("wheel");
    let plan = plan(&unpacked, &rewrites, &tags, retag::file_name(&name, &tags)?)?;
    let written = crate::sink::write(&plan, &out_dir.join(&plan.file_name), progress)?;
    Ok(Repaired {
        input: wheel.to_path_buf(),
        written,
        before,
        after,
        tags,
        rewritten: rewrites
            .iter()
            .filter(|r| r.member.is_some())
            .map(|r| r.path.clone())
            .collect(),
        grafted: decision.grafts,
        held_back: decision.held_back,
    })
}

/// One line on what a repair did, for a build's notes.
pub fn summary(r: &Repaired) -> String {
    let grafted: Vec<String> = r
        .grafted
        .iter()
        .map(|g| format!("{} as {}", g.soname, g.path))
        .collect();
    let name = r.input.file_name().unwrap_or_default().to_string_lossy();
    let mut line = format!(
        "repaired: {} -> {}",
        retag::platforms(&name).join("."),
        r.tags.join(".")
    );
    if !grafted.is_empty() {
        line.push_str(&format!("; bundled {}", grafted.join(", ")));
    }
    if let Some(b) = &r.held_back {
        line.push_str(&format!("; held back from {}: {}", b.tag, b.describe()));
    }
    line
}

/// The ELF members, analysed.
fn wheel_elfs(wheel: &Path, members: &[Member]) -> Result<Vec<WheelElf>> {
    members
        .iter()
        .filter(|m| m.elf)
        .filter_map(|m| Some((m, m.disk.as_ref()?)))
        .map(|(m, disk)| {
            let bytes = std::fs::read(disk).map_err(|e| Error::io(disk, e))?;
            let info = analyse(&m.path, &bytes)
                .map_err(|e| Error::Repair(format!("{}: {}: {e}", wheel.display(), m.path)))?;
            Ok(WheelElf {
                path: m.path.clone(),
                disk: disk.clone(),
                info,
            })
        })
        .collect()
}

/// `--plat` as a canonical tag for the wheel's C library and architecture.
fn canonical_plat(plat: &str, before: &Verdict) -> Result<String> {
    let Some((libc, name, arch)) = policy::parse_platform_tag(plat) else {
        return Err(Error::Repair(format!(
            "--plat {plat}: not a manylinux or musllinux tag (manylinux_2_28_x86_64, manylinux2014_x86_64, musllinux_1_2_x86_64, ...)"
        )));
    };
    if name == "linux" || libc != before.libc || arch != before.arch {
        return Err(Error::Repair(format!(
            "--plat {plat}: the wheel's code is {} {}: ask for a {} tag",
            before.arch,
            if before.libc == Libc::Musl {
                "musl"
            } else {
                "glibc"
            },
            if before.libc == Libc::Musl {
                format!("musllinux_*_{}", before.arch)
            } else {
                format!("manylinux_*_{}", before.arch)
            }
        )));
    }
    Ok(format!("{name}_{arch}"))
}

/// `lib_paths`, then `LD_LIBRARY_PATH` (as auditwheel honours it).
fn search_dirs(lib_paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut dirs = lib_paths.to_vec();
    if let Some(env) = std::env::var_os("LD_LIBRARY_PATH") {
        dirs.extend(std::env::split_paths(&env).filter(|p| !p.as_os_str().is_empty()));
    }
    dirs
}

/// One rewritten ELF file of the repaired wheel.
struct Rewrite {
    /// Its path in the wheel.
    path: String,
    /// The member it replaces (`None` for a grafted library).
    member: Option<String>,
    /// Shared with the plan's entry, not copied into it.
    bytes: Arc<[u8]>,
}

/// Every member that changes and every grafted library, rewritten and
/// checked.
fn rewrite_all(elfs: &[WheelElf], grafts: &[Graft]) -> Result<Vec<Rewrite>> {
    let mut out = Vec::new();
    for e in elfs {
        let edits = graft::edits(&e.info, &e.path, grafts, None)?;
        if edits.is_empty() {
            continue;
        }
        let bytes = std::fs::read(&e.disk).map_err(|err| Error::io(&e.disk, err))?;
        out.push(Rewrite {
            path: e.path.clone(),
            member: Some(e.path.clone()),
            bytes: crate::elf::patch::rewrite(&e.path, &bytes, &edits)
                .map_err(Error::Repair)?
                .into(),
        });
    }
    for g in grafts {
        let edits = graft::edits(&g.info, &g.path, grafts, Some(g.name()))?;
        let bytes = std::fs::read(&g.from).map_err(|err| Error::io(&g.from, err))?;
        let label = g.from.display().to_string();
        out.push(Rewrite {
            path: g.path.clone(),
            member: None,
            bytes: crate::elf::patch::rewrite(&label, &bytes, &edits)
                .map_err(Error::Repair)?
                .into(),
        });
    }
    Ok(out)
}

/// The verdict on the files as rewritten, which must allow `tag`.
fn verdict_after(
    elfs: &[WheelElf],
    rewrites: &[Rewrite],
    exclude: &[String],
    libc: Libc,
    tag: &str,
) -> Result<Verdict> {
    let mut infos: Vec<ElfInfo> = elfs
        .iter()
        .filter(|e| {
            !rewrites
                .iter()
                .any(|r| r.member.as_deref() == Some(&e.path))
        })
        .map(|e| e.info.clone())
        .collect();
    for r in rewrites {
        infos.push(analyse(&r.path, &r.bytes).map_err(Error::Repair)?);
    }
    let infos: Vec<ElfInfo> = infos
        .into_iter()
        .map(|i| graft::without_excluded(i, exclude))
        .collect();
    if let Some(b) = policy::blocker_for(&infos, libc, tag).map_err(Error::Repair)? {
        return Err(Error::Repair(format!(
            "after rewriting, the wheel is still not {tag}: {}",
            b.describe()
        )));
    }
    policy::verdict(&infos, Some(libc))
        .ok_or_else(|| Error::Repair("the repaired wheel holds no ELF file".into()))
}

/// The repaired wheel: members in their order (rewritten ones replaced,
/// WHEEL retagged), the grafted libraries before `.dist-info`, RECORD last.
fn plan(
    unpacked: &unpack::Unpacked,
    rewrites: &[Rewrite],
    tags: &[String],
    file_name: String,
) -> Result<Plan> {
    let dist_info = &unpacked.dist_info;
    let wheel_path = format!("{dist_info}/WHEEL");
    let in_dist_info = |p: &str| p.starts_with(&format!("{dist_info}/"));
    let entry = |m: &Member| -> Result<Entry> {
        let mut e = if let Some(disk) = m.disk.as_ref().filter(|_| m.path == wheel_path) {
            let text = std::fs::read_to_string(disk).map_err(|e| Error::io(disk, e))?;
            Entry::bytes(
                &m.path,
                retag::wheel_file(&text, tags)?.into_bytes(),
                "retagged",
            )
        } else if let Some(r) = rewrites
            .iter()
            .find(|r| r.member.as_deref() == Some(&m.path))
        {
            Entry::bytes(&m.path, r.bytes.clone(), "rewritten by repair")
        } else {
            Entry::copied(&m.path, m.stored.clone(), m.size, "unchanged")
        };
        e.mode = if m.executable { 0o755 } else { 0o644 };
        Ok(e)
    };
    let mut entries = Vec::new();
    for m in unpacked.members.iter().filter(|m| !in_dist_info(&m.path)) {
        entries.push(entry(m)?);
    }
    for r in rewrites.iter().filter(|r| r.member.is_none()) {
        let mut e = Entry::bytes(&r.path, r.bytes.clone(), "grafted by repair");
        e.mode = 0o755;
        entries.push(e);
    }
    for m in unpacked.members.iter().filter(|m| in_dist_info(&m.path)) {
        entries.push(entry(m)?);
    }
    let record = format!("{dist_info}/RECORD");
    let size = crate::record::record_size(&entries, &record);
    entries.push(Entry::derived(record, Source::Record, size, "regenerated"));
    Ok(Plan {
        format: Format::Wheel,
        file_name,
        entries,
        excluded: Vec::new(),
        mtime: crate::epoch::source_date_epoch(),
        container: Container::zip(),
    })
}
