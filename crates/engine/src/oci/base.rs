//! The image's base: what the application's layers go on top of.
//!
//! - A minimal base made from Debian packages (.deb files, e.g. fetched with
//!   `apt-get download libc6 libgcc-s1 ca-certificates tzdata`): their data
//!   read natively, `update-ca-certificates`' bundle made from the
//!   certificates, `/etc/passwd` and `/etc/group` with `root` and a non-root
//!   user, `/tmp`. One layer, reproducible: no dpkg, no daemon.
//! - An existing image: an OCI layout (`oci:DIR[:TAG]`), an oci-archive
//!   (`oci-archive:FILE`), a docker-archive (`docker-archive:FILE`) or a
//!   registry reference (`docker://REF` or a bare `REGISTRY/REPO:TAG`). Its
//!   layers are kept byte for byte.

use super::deb_data::read_deb;
use super::layer::{write_layer, LayerBlob, LayerEntry, LayerSpec, Node};
use super::layout::{Loaded, Store};
use super::reference::Reference;
use super::spec::ImageConfig;
use crate::plan::Source;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// The non-root user of a Debian-package base (distroless' numbers).
pub const NONROOT_UID: u32 = 65532;
pub const NONROOT_NAME: &str = "nonroot";

/// Where a base comes from, as written on the command line or in
/// `[tool.gradient.oci] base`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseSource {
    /// .deb files: a directory of them, or the files themselves.
    Debs(Vec<PathBuf>),
    Layout {
        dir: PathBuf,
        tag: Option<String>,
    },
    Archive(PathBuf),
    Registry(Reference),
}

impl BaseSource {
    /// Parse `text`; relative paths are taken from `root`.
    pub fn parse(text: &str, root: &Path) -> Result<BaseSource> {
        let at = |p: &str| root.join(p);
        if let Some(rest) = text.strip_prefix("oci:") {
            // `oci:DIR:TAG`: the tag follows the last `:` when DIR is a dir.
            return Ok(match rest.rsplit_once(':') {
                Some((dir, tag)) if !at(rest).is_dir() && !tag.contains('/') => {
                    BaseSource::Layout {
                        dir: at(dir),
                        tag: Some(tag.into()),
                    }
                }
                _ => BaseSource::Layout {
                    dir: at(rest),
                    tag: None,
                },
            });
        }
        for prefix in ["oci-archive:", "docker-archive:"] {
            if let Some(rest) = text.strip_prefix(prefix) {
                return Ok(BaseSource::Archive(at(rest)));
            }
        }
        if let Some(rest) = text.strip_prefix("docker://") {
            return Ok(BaseSource::Registry(Reference::parse(rest)?));
        }
        if let Some(rest) = text.strip_prefix("debs:") {
            return Ok(BaseSource::Debs(vec![at(rest)]));
        }
        let path = at(text);
        if path.is_dir() {
            if path.join("index.json").is_file() {
                return Ok(BaseSource::Layout {
                    dir: path,
                    tag: None,
                });
            }
            return Ok(BaseSource::Debs(vec![path]));
        }
        if path.is_file() {
            return Ok(if text.ends_with(".deb") {
                BaseSource::Debs(vec![path])
            } else {
                BaseSource::Archive(path)
            });
        }
        if text.contains('/') && (text.starts_with('.') || text.starts_with('/')) {
            return Err(Error::Plan(format!(
                "base `{text}`: {} does not exist",
                path.display()
            )));
        }
        Ok(BaseSource::Registry(Reference::parse(text)?))
    }
}

/// A base ready for the application's layers.
#[derive(Debug, Clone)]
pub struct Base {
    /// For the `org.opencontainers.image.base.name` annotation.
    pub name: String,
    /// The base image's manifest digest (`base.digest`), when it is an image.
    pub digest: Option<String>,
    pub layers: Vec<LayerBlob>,
    /// The base image's configuration (Env, User, history are inherited).
    pub config: Option<ImageConfig>,
    /// The user the image runs as: `NAME` or `UID:GID`.
    pub user: String,
    /// Paths of every file in the base (for finding a Python in it).
    pub files: Vec<String>,
}

/// Make or fetch the base for an image of `architecture`.
pub fn load(
    source: &BaseSource,
    architecture: &str,
    mtime: u64,
    registry: &super::registry::Options,
) -> Result<Base> {
    match source {
        BaseSource::Debs(paths) => from_debs(paths, architecture, mtime),
        BaseSource::Layout { dir, tag } => {
            if !dir.is_dir() {
                return Err(Error::Plan(format!(
                    "base {}: not an OCI layout directory",
                    dir.display()
                )));
            }
            let loaded = Store::Dir(dir.clone()).load(tag.as_deref(), architecture)?;
            from_image(&dir.display().to_string(), loaded, architecture)
        }
        BaseSource::Archive(path) => {
            let loaded = Store::open(path)?.load(None, architecture)?;
            from_image(&path.display().to_string(), loaded, architecture)
        }
        BaseSource::Registry(r) => {
            let loaded = super::registry::pull(r, architecture, registry)?;
            from_image(&r.to_string(), loaded, architecture)
        }
    }
}

fn from_image(name: &str, loaded: Loaded, architecture: &str) -> Result<Base> {
    let config = loaded.config;
    if config.architecture != architecture || config.os != "linux" {
        return Err(Error::Target(format!(
            "base {name} is an image for {}/{}, not linux/{architecture}",
            config.os, config.architecture
        )));
    }
    if config.rootfs.diff_ids.len() != loaded.layers.len() {
        return Err(Error::Plan(format!(
            "base {name}: {} layers but {} diff_ids in its configuration",
            loaded.layers.len(),
            config.rootfs.diff_ids.len()
        )));
    }
    let mut files = Vec::new();
    let mut layers = Vec::new();
    for ((d, bytes), diff_id) in loaded.layers.iter().zip(&config.rootfs.diff_ids) {
        files.extend(super::inspect::layer_paths(&d.media_type, bytes)?);
        layers.push(LayerBlob {
            name: "base".into(),
            created_by: format!("base {name}"),
            digest: d.digest.clone(),
            diff_id: diff_id.clone(),
            media_type: d.media_type.clone(),
            size: d.size,
            uncompressed_size: 0,
            files: 0,
            bytes: bytes.clone(),
        });
    }
    let user = match config.config.user.as_deref() {
        Some(u) if !u.is_empty() && !is_root(u) => u.to_string(),
        _ => format!("{NONROOT_UID}:{NONROOT_UID}"),
    };
    Ok(Base {
        name: name.into(),
        digest: Some(loaded.manifest_digest),
        layers,
        config: Some(config),
        user,
        files,
    })
}

/// Whether a `User` value names root (`root`, `0`, `0:0`, `root:root`).
pub fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or(user);
    name.is_empty() || name == "root" || name == "0"
}

/// Every .deb file `paths` name (directories are listed, sorted).
fn deb_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut debs = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut here: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| Error::io(p, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "deb"))
                .collect();
            here.sort();
            debs.extend(here);
        } else {
            debs.push(p.clone());
        }
    }
    if debs.is_empty() {
        return Err(Error::Plan(format!(
            "base {}: no .deb files (fetch them with `apt-get download libc6 libgcc-s1 ca-certificates tzdata`)",
            paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(debs)
}

fn from_debs(paths: &[PathBuf], architecture: &str, mtime: u64) -> Result<Base> {
    let debs = deb_files(paths)?;
    let packages = debs
        .iter()
        .map(|d| read_deb(d))
        .collect::<Result<Vec<_>>>()?;
    let mut entries = Vec::new();
    let mut names = Vec::new();
    for (pkg, path) in packages.into_iter().zip(&debs) {
        if pkg.architecture != "all" && pkg.architecture != architecture {
            return Err(Error::Target(format!(
                "{}: {} is built for {}, not {architecture}",
                path.display(),
                pkg.package,
                pkg.architecture
            )));
        }
        names.push(format!("{}={}", pkg.package, pkg.version));
        entries.extend(pkg.entries);
    }
    entries.extend(system_files(&entries));
    let files = entries
        .iter()
        .filter(|e| !matches!(e.node, Node::Dir))
        .map(|e| e.path.clone())
        .collect();
    let spec = LayerSpec {
        name: "base".into(),
        created_by: format!("gradient base from Debian packages: {}", names.join(" ")),
        entries,
    };
    let layer = write_layer(&spec, mtime)?;
    Ok(Base {
        name: format!("debian-packages:{}", names.join(",")),
        digest: None,
        layers: vec![layer],
        config: None,
        user: format!("{NONROOT_UID}:{NONROOT_UID}"),
        files,
    })
}

/// The files a package manager's scripts would have made: accounts, the
/// name service configuration, the CA bundle, `/tmp` and the user's home.
fn system_files(entries: &[LayerEntry]) -> Vec<LayerEntry> {
    let id = NONROOT_UID;
    let name = NONROOT_NAME;
    let mut out = vec![
        LayerEntry::bytes(
            "etc/passwd",
            format!("root:x:0:0:root:/root:/usr/sbin/nologin\n{name}:x:{id}:{id}:{name}:/home/{name}:/usr/sbin/nologin\n").into_bytes(),
            0o644,
        ),
        LayerEntry::bytes("etc/group", format!("root:x:0:\n{name}:x:{id}:\n").into_bytes(), 0o644),
        LayerEntry::bytes(
            "etc/nsswitch.conf",
            b"passwd: files\ngroup: files\nhosts: files dns\n".to_vec(),
            0o644,
        ),
        LayerEntry::dir("tmp", 0o1777),
        LayerEntry::dir("root", 0o700),
        LayerEntry {
            uid: id.into(),
            gid: id.into(),
            ..LayerEntry::dir(format!("home/{name}"), 0o755)
        },
    ];
    if entries
        .iter()
        .any(|e| e.path == "usr/share/zoneinfo/Etc/UTC")
    {
        out.push(LayerEntry::symlink(
            "etc/localtime",
            "/usr/share/zoneinfo/Etc/UTC",
        ));
    }
    // update-ca-certificates: every certificate, in path order, in one file.
    let mut certs: Vec<&LayerEntry> = entries
        .iter()
        .filter(|e| e.path.starts_with("usr/share/ca-certificates/") && e.path.ends_with(".crt"))
        .collect();
    certs.sort_by(|a, b| a.path.cmp(&b.path));
    if !certs.is_empty() {
        let mut bundle = Vec::new();
        for c in certs {
            if let Node::File(Source::Bytes { data }) = &c.node {
                bundle.extend_from_slice(data);
                if !bundle.ends_with(b"\n") {
                    bundle.push(b'\n');
                }
            }
        }
        out.push(LayerEntry::bytes(
            "etc/ssl/certs/ca-certificates.crt",
            bundle,
            0o644,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases_are_recognised_by_form() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("layout")).unwrap();
        std::fs::write(root.join("layout/index.json"), "{}").unwrap();
        std::fs::create_dir_all(root.join("debs")).unwrap();
        assert_eq!(
            BaseSource::parse("layout", root).unwrap(),
            BaseSource::Layout {
                dir: root.join("layout"),
                tag: None
            }
        );
        assert_eq!(
            BaseSource::parse("oci:layout:v1", root).unwrap(),
            BaseSource::Layout {
                dir: root.join("layout"),
                tag: Some("v1".into())
            }
        );
        assert_eq!(
            BaseSource::parse("debs", root).unwrap(),
            BaseSource::Debs(vec![root.join("debs")])
        );
        assert_eq!(
            BaseSource::parse("docker-archive:x.tar", root).unwrap(),
            BaseSource::Archive(root.join("x.tar"))
        );
        assert!(matches!(
            BaseSource::parse("127.0.0.1:5000/base:1", root).unwrap(),
            BaseSource::Registry(_)
        ));
        assert!(BaseSource::parse("./missing/dir", root).is_err());
        assert!(BaseSource::parse("Not A Ref", root).is_err());
    }

    #[test]
    fn accounts_include_a_non_root_user() {
        let files = system_files(&[]);
        let passwd = files.iter().find(|e| e.path == "etc/passwd").unwrap();
        let Node::File(Source::Bytes { data }) = &passwd.node else {
            panic!()
        };
        let text = String::from_utf8_lossy(data);
        assert!(text.contains("nonroot:x:65532:65532:"), "{text}");
        assert!(is_root("0:0") && is_root("root") && !is_root("65532:65532"));
    }
}
