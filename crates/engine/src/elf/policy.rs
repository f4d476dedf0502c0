//! manylinux and musllinux policies (PEP 600, PEP 656): which symbol versions
//! and which system libraries a wheel's native code may depend on for each
//! tag, and the highest tag a set of ELF files is consistent with.
//!
//! The policy data is the published policy of the PyPA's auditwheel 6.8.2
//! (`manylinux-policy.json`, `musllinux-policy.json`, MIT licensed, see
//! POLICY-LICENSE), embedded so the verdict works offline. The verdict
//! follows the same rules as `auditwheel show`: symbol versions, libraries
//! outside the policy's whitelist that the wheel does not bundle, and
//! blacklisted symbols. Instruction-set extensions are not checked.

use super::{is_loader, ElfInfo, Libc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::OnceLock;

const MANYLINUX: &str = include_str!("manylinux-policy.json");
const MUSLLINUX: &str = include_str!("musllinux-policy.json");

#[derive(Deserialize)]
struct RawPolicy {
    name: String,
    aliases: Vec<String>,
    priority: u32,
    symbol_versions: HashMap<String, HashMap<String, Vec<String>>>,
    lib_whitelist: Vec<String>,
    blacklist: HashMap<String, Vec<String>>,
}

struct Policy {
    name: String,
    aliases: Vec<String>,
    priority: u32,
    /// arch → prefix (`GLIBC`) → allowed versions (`GLIBC_2.17`).
    symbol_versions: HashMap<String, HashMap<String, HashSet<String>>>,
    whitelist: HashSet<String>,
    blacklist: HashMap<String, HashSet<String>>,
}

fn load(text: &str) -> Vec<Policy> {
    // The embedded data is checked by this module's tests; should it ever
    // fail to parse, every verdict falls back to the plain `linux` tag.
    let raw: Vec<RawPolicy> = serde_json::from_str(text).unwrap_or_default();
    let mut policies: Vec<Policy> = raw
        .into_iter()
        .map(|p| Policy {
            symbol_versions: p
                .symbol_versions
                .into_iter()
                .map(|(arch, prefixes)| {
                    let prefixes = prefixes
                        .into_iter()
                        .map(|(prefix, versions)| {
                            let full = versions.iter().map(|v| format!("{prefix}_{v}")).collect();
                            (prefix, full)
                        })
                        .collect();
                    (arch, prefixes)
                })
                .collect(),
            whitelist: p.lib_whitelist.into_iter().collect(),
            blacklist: p
                .blacklist
                .into_iter()
                .map(|(k, v)| (k, v.into_iter().collect()))
                .collect(),
            name: p.name,
            aliases: p.aliases,
            priority: p.priority,
        })
        .collect();
    policies.sort_by_key(|p| std::cmp::Reverse(p.priority));
    policies
}

/// Policies from the most to the least compatible tag, `linux` last.
fn policies(libc: Libc) -> &'static [Policy] {
    static GLIBC: OnceLock<Vec<Policy>> = OnceLock::new();
    static MUSL: OnceLock<Vec<Policy>> = OnceLock::new();
    match libc {
        Libc::Glibc => GLIBC.get_or_init(|| load(MANYLINUX)),
        Libc::Musl => MUSL.get_or_init(|| load(MUSLLINUX)),
    }
}

/// musl's C library is named per architecture.
fn musl_libc(arch: &str) -> String {
    let short = match arch {
        "i686" => "x86",
        "armv7l" => "armv7",
        other => other,
    };
    format!("libc.musl-{short}.so.1")
}

fn whitelisted(policy: &Policy, libc: Libc, arch: &str, lib: &str) -> bool {
    policy.whitelist.contains(lib)
        || (libc == Libc::Musl && policy.whitelist.contains("libc.so") && lib == musl_libc(arch))
}

/// Why the native code is not consistent with one tag.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Blocker {
    pub tag: String,
    /// Symbol versions the tag does not allow: `GLIBC_2.28` → where it is
    /// needed (`pkg/_x.so: fcntl64, ...`).
    pub symbol_versions: BTreeMap<String, Vec<String>>,
    /// Libraries the tag does not allow and the wheel does not bundle.
    pub libraries: BTreeMap<String, Vec<String>>,
    /// Blacklisted symbols used, by library.
    pub blacklisted: BTreeMap<String, Vec<String>>,
}

impl Blocker {
    /// The reasons in one line of words.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (version, uses) in &self.symbol_versions {
            parts.push(format!("{version} needed by {}", some(uses, "; ")));
        }
        for (lib, users) in &self.libraries {
            parts.push(format!(
                "{lib} (needed by {}) is neither allowed by {} nor bundled",
                some(users, ", "),
                self.tag
            ));
        }
        for (lib, symbols) in &self.blacklisted {
            parts.push(format!(
                "{} from {lib} are not allowed by {}",
                some(symbols, ", "),
                self.tag
            ));
        }
        parts.join("; ")
    }
}

/// The first few of `items` joined, and how many more there are: a wheel
/// like TensorFlow's has a hundred files needing the same symbol version
/// (the JSON report keeps them all).
fn some(items: &[String], sep: &str) -> String {
    const SHOWN: usize = 3;
    let mut text = items[..items.len().min(SHOWN)].join(sep);
    if items.len() > SHOWN {
        text.push_str(&format!("{sep}and {} more", items.len() - SHOWN));
    }
    text
}

/// The manylinux / musllinux verdict for a set of ELF files.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Verdict {
    pub libc: Libc,
    pub arch: String,
    /// The highest tag the code is consistent with (`linux_<arch>` when none).
    pub tag: String,
    /// The highest tag the symbol versions alone allow (auditwheel's `sym_tag`).
    pub symbol_tag: String,
    /// Every version required from each system library.
    pub versioned_symbols: BTreeMap<String, BTreeSet<String>>,
    /// Needed libraries outside every policy's whitelist and not bundled.
    pub external_libraries: Vec<String>,
    /// What stands between the code and the next better tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_better: Option<Blocker>,
}

/// The tag policy `name` stands for, `manylinux_2_17` for `manylinux2014`.
/// Returns (libc, canonical name, arch) for a platform tag such as
/// `manylinux2014_x86_64` or `musllinux_1_2_aarch64`.
pub fn parse_platform_tag(tag: &str) -> Option<(Libc, String, String)> {
    for libc in [Libc::Glibc, Libc::Musl] {
        for p in policies(libc) {
            for name in std::iter::once(&p.name).chain(&p.aliases) {
                if let Some(arch) = tag
                    .strip_prefix(name.as_str())
                    .and_then(|r| r.strip_prefix('_'))
                {
                    if p.name == "linux" && libc == Libc::Musl {
                        continue;
                    }
                    return Some((libc, p.name.clone(), arch.to_string()));
                }
            }
        }
    }
    None
}

/// The priority of a canonical policy name (higher is more compatible).
pub fn priority(libc: Libc, name: &str) -> Option<u32> {
    policies(libc)
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.priority)
}

/// Judge `elfs` (every ELF file of one wheel or tree). `libc_hint` is used
/// when no file names its C library (e.g. from a `musllinux` tag).
pub fn verdict(elfs: &[ElfInfo], libc_hint: Option<Libc>) -> Option<Verdict> {
    let first = elfs
        .iter()
        .find(|e| e.python_extension)
        .or_else(|| elfs.first())?;
    let arch = first.machine.clone();
    let libc = elfs
        .iter()
        .find_map(|e| e.libc)
        .or(libc_hint)
        .unwrap_or(Libc::Glibc);
    let elfs: Vec<&ElfInfo> = elfs.iter().filter(|e| e.machine == arch).collect();
    let bundled = bundled_names(&elfs);

    let mut versioned_symbols: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in &elfs {
        for (lib, versions) in &e.version_needs {
            versioned_symbols
                .entry(lib.clone())
                .or_default()
                .extend(versions.keys().cloned());
        }
    }
    let applicable: Vec<&Policy> = policies(libc)
        .iter()
        .filter(|p| p.name == "linux" || p.symbol_versions.contains_key(&arch))
        // auditwheel judges musl code against the newest musl policy it knows.
        .filter(|p| {
            libc == Libc::Glibc
                || p.name == "linux"
                || Some(p.priority) == policies(libc).first().map(|f| f.priority)
        })
        .collect();
    let blockers: Vec<(&Policy, Blocker)> = applicable
        .iter()
        .map(|p| (*p, blocker(p, libc, &arch, &elfs, &bundled)))
        .collect();
    let consistent = |b: &Blocker| {
        b.symbol_versions.is_empty() && b.libraries.is_empty() && b.blacklisted.is_empty()
    };
    let tag_of = |p: &Policy| format!("{}_{arch}", p.name);
    let best = blockers
        .iter()
        .position(|(_, b)| consistent(b))
        .unwrap_or(blockers.len().saturating_sub(1));
    let symbol_best = blockers
        .iter()
        .find(|(_, b)| b.symbol_versions.is_empty())
        .map(|(p, _)| tag_of(p))
        .unwrap_or_else(|| format!("linux_{arch}"));
    let mut external: BTreeSet<String> = BTreeSet::new();
    for e in &elfs {
        for lib in &e.needed {
            let anywhere = applicable
                .iter()
                .any(|p| p.name != "linux" && whitelisted(p, libc, &arch, lib));
            if !is_loader(lib) && !bundled.contains(lib.as_str()) && !anywhere {
                external.insert(lib.clone());
            }
        }
    }
    Some(Verdict {
        libc,
        tag: blockers
            .get(best)
            .map(|(p, _)| tag_of(p))
            .unwrap_or_else(|| format!("linux_{arch}")),
        symbol_tag: symbol_best,
        versioned_symbols,
        external_libraries: external.into_iter().collect(),
        next_better: best
            .checked_sub(1)
            .and_then(|i| blockers.get(i))
            .map(|(_, b)| b.clone()),
        arch,
    })
}

/// Why `elfs` are not consistent with `tag` (canonical, e.g.
/// `manylinux_2_17_x86_64`), in words.
pub fn verdict_blocker(elfs: &[ElfInfo], libc: Libc, tag: &str) -> String {
    match blocker_for(elfs, libc, tag) {
        Ok(Some(b)) => b.describe(),
        Ok(None) => String::new(),
        Err(e) => e,
    }
}

/// What keeps `elfs` from `tag` (canonical): `None` when nothing does; an
/// error when `tag` names no known policy.
pub fn blocker_for(elfs: &[ElfInfo], libc: Libc, tag: &str) -> Result<Option<Blocker>, String> {
    let (policy, arch) =
        policy_of(libc, tag).ok_or_else(|| format!("`{tag}` is not a known policy"))?;
    let elfs: Vec<&ElfInfo> = elfs.iter().filter(|e| e.machine == arch).collect();
    let bundled = bundled_names(&elfs);
    let b = blocker(policy, libc, arch, &elfs, &bundled);
    let clear = b.symbol_versions.is_empty() && b.libraries.is_empty() && b.blacklisted.is_empty();
    Ok((!clear).then_some(b))
}

fn policy_of(libc: Libc, tag: &str) -> Option<(&'static Policy, &str)> {
    let policy = policies(libc).iter().find(|p| {
        tag.strip_prefix(p.name.as_str())
            .is_some_and(|r| r.starts_with('_'))
    })?;
    Some((policy, &tag[policy.name.len() + 1..]))
}

/// The canonical tags of every policy for `arch` (`manylinux_2_5_x86_64`,
/// ...), the most compatible first; the plain `linux` tag is not among them.
pub fn tags_best_first(libc: Libc, arch: &str) -> Vec<String> {
    policies(libc)
        .iter()
        .filter(|p| p.name != "linux" && p.symbol_versions.contains_key(arch))
        .map(|p| format!("{}_{arch}", p.name))
        .collect()
}

/// Whether the policy of canonical `tag` lets a wheel rely on the system's
/// `lib` (its whitelist: libc, libstdc++, libz, libGL, ...).
pub fn allows_library(libc: Libc, tag: &str, lib: &str) -> bool {
    policy_of(libc, tag).is_some_and(|(p, arch)| whitelisted(p, libc, arch, lib))
}

/// `tag` (canonical) followed by its legacy aliases with the same
/// architecture, as wheels are tagged (`manylinux_2_17_x86_64`,
/// `manylinux2014_x86_64`; PEP 600 § "Legacy manylinux tags").
pub fn tag_with_aliases(libc: Libc, tag: &str) -> Vec<String> {
    let mut out = vec![tag.to_string()];
    if let Some((p, arch)) = policy_of(libc, tag) {
        out.extend(p.aliases.iter().map(|a| format!("{a}_{arch}")));
    }
    out
}

fn bundled_names<'a>(elfs: &[&'a ElfInfo]) -> HashSet<&'a str> {
    elfs.iter()
        .flat_map(|e| [e.soname.as_deref(), e.path.rsplit('/').next()])
        .flatten()
        .collect()
}

/// Everything that keeps `elfs` from `policy` (empty when consistent).
fn blocker(
    policy: &Policy,
    libc: Libc,
    arch: &str,
    elfs: &[&ElfInfo],
    bundled: &HashSet<&str>,
) -> Blocker {
    let mut out = Blocker {
        tag: format!("{}_{arch}", policy.name),
        symbol_versions: BTreeMap::new(),
        libraries: BTreeMap::new(),
        blacklisted: BTreeMap::new(),
    };
    if policy.name == "linux" {
        return out;
    }
    let allowed = policy.symbol_versions.get(arch);
    for e in elfs {
        for (lib, versions) in &e.version_needs {
            for (version, symbols) in versions {
                let prefix = version.split('_').next().unwrap_or(version);
                let Some(permitted) = allowed.and_then(|a| a.get(prefix)) else {
                    continue;
                };
                if !permitted.contains(version) {
                    let symbols: Vec<&str> = symbols.iter().map(String::as_str).collect();
                    out.symbol_versions
                        .entry(version.clone())
                        .or_default()
                        .push(format!("{} ({lib}): {}", e.path, symbols.join(", ")));
                }
            }
        }
        for lib in &e.needed {
            if is_loader(lib) || bundled.contains(lib.as_str()) {
                continue;
            }
            if !whitelisted(policy, libc, arch, lib) {
                out.libraries
                    .entry(lib.clone())
                    .or_default()
                    .push(e.path.clone());
            }
            if let Some(banned) = policy.blacklist.get(lib) {
                let used: Vec<String> = e
                    .undefined
                    .iter()
                    .filter(|s| banned.contains(*s))
                    .cloned()
                    .collect();
                if !used.is_empty() {
                    out.blacklisted.entry(lib.clone()).or_default().extend(used);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elf(path: &str, needed: &[&str], versions: &[(&str, &str, &str)]) -> ElfInfo {
        let mut version_needs: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> =
            BTreeMap::new();
        for (lib, version, symbol) in versions {
            version_needs
                .entry(lib.to_string())
                .or_default()
                .entry(version.to_string())
                .or_default()
                .insert(symbol.to_string());
        }
        ElfInfo {
            path: path.into(),
            machine: "x86_64".into(),
            bits: 64,
            kind: "shared library",
            soname: None,
            needed: needed.iter().map(|s| s.to_string()).collect(),
            rpath: vec![],
            runpath: vec![],
            libc: Some(Libc::Glibc),
            python_extension: true,
            version_needs,
            undefined: versions.iter().map(|(_, _, s)| s.to_string()).collect(),
        }
    }

    #[test]
    fn embedded_policies_load_in_priority_order() {
        let glibc = policies(Libc::Glibc);
        assert!(glibc.len() > 10);
        assert_eq!(glibc.last().map(|p| p.name.as_str()), Some("linux"));
        assert!(glibc.windows(2).all(|w| w[0].priority > w[1].priority));
        assert!(!policies(Libc::Musl).is_empty());
        assert_eq!(
            parse_platform_tag("manylinux2014_x86_64"),
            Some((Libc::Glibc, "manylinux_2_17".into(), "x86_64".into()))
        );
        assert_eq!(
            parse_platform_tag("musllinux_1_2_aarch64").map(|t| t.1),
            Some("musllinux_1_2".into())
        );
        assert_eq!(parse_platform_tag("win_amd64"), None);
    }

    #[test]
    fn symbol_versions_decide_the_tag_and_name_the_symbols() {
        let old = elf(
            "a/_x.so",
            &["libc.so.6"],
            &[("libc.so.6", "GLIBC_2.2.5", "malloc")],
        );
        let v = verdict(&[old], None).expect("verdict");
        assert_eq!(v.tag, "manylinux_2_5_x86_64");
        assert!(v.next_better.is_none());

        let newer = elf(
            "a/_y.so",
            &["libc.so.6"],
            &[
                ("libc.so.6", "GLIBC_2.2.5", "malloc"),
                ("libc.so.6", "GLIBC_2.28", "fcntl64"),
            ],
        );
        let v = verdict(&[newer], None).expect("verdict");
        assert_eq!(v.tag, "manylinux_2_28_x86_64");
        assert_eq!(v.symbol_tag, "manylinux_2_28_x86_64");
        let next = v.next_better.expect("a better tag exists");
        assert_eq!(next.tag, "manylinux_2_27_x86_64");
        assert_eq!(
            next.symbol_versions["GLIBC_2.28"],
            ["a/_y.so (libc.so.6): fcntl64"]
        );
    }

    #[test]
    fn unlisted_libraries_need_bundling_unless_the_wheel_has_them() {
        let ext = elf(
            "a/_z.so",
            &["libc.so.6", "libfoo.so.1"],
            &[("libc.so.6", "GLIBC_2.2.5", "malloc")],
        );
        let v = verdict(std::slice::from_ref(&ext), None).expect("verdict");
        assert_eq!(v.tag, "linux_x86_64");
        assert_eq!(v.external_libraries, ["libfoo.so.1"]);
        let mut lib = elf("a.libs/libfoo.so.1", &["libc.so.6"], &[]);
        lib.python_extension = false;
        let v = verdict(&[ext, lib], None).expect("verdict");
        assert_eq!(v.tag, "manylinux_2_5_x86_64");
    }
}
