//! One installation, several layouts: a zipapp keeps site-packages at the
//! archive's root, a frozen executable inside its bundled interpreter's
//! prefix. The closure is installed (unpacked, verified) once; each other
//! layout is derived from that tree here.

use super::{installed_record, write_claimed, AppTree, Installed, Layout, Listed, TreeFile};
use crate::{Error, Result};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

/// The tree `install` would have produced with `layout`, built in `root`
/// from `tree` (installed, bytecode not compiled yet): files hard-linked
/// (copied across filesystems), scripts and launchers given the new
/// interpreter line, each distribution's RECORD written for the new paths.
pub fn relayout(tree: &AppTree, root: &Path, layout: &Layout) -> Result<AppTree> {
    let by_path: HashMap<&str, &TreeFile> =
        tree.files.iter().map(|f| (f.path.as_str(), f)).collect();
    let claims = Mutex::default();
    let mut files = Vec::with_capacity(tree.files.len());
    let mut distributions = Vec::with_capacity(tree.distributions.len());
    for dist in &tree.distributions {
        let mut moved = Vec::with_capacity(dist.listed.len());
        for listed in &dist.listed {
            let old = by_path.get(listed.path.as_str()).ok_or_else(|| {
                Error::Closure(format!("{}: not in the installed tree", listed.path))
            })?;
            let dest = move_path(&listed.path, &tree.layout, layout);
            let file = if listed.shebang {
                let path = tree.root.join(&listed.path);
                let mut script = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
                let mut bytes = Vec::new();
                super::member::reshebang(&mut script, &mut bytes, &layout.shebang)
                    .map_err(|e| Error::io(&path, e))?;
                write_claimed(root, dest, &bytes, old.executable, &dist.name, &claims)?
            } else {
                link(&tree.root.join(&old.path), root, &dest)?;
                TreeFile {
                    path: dest,
                    ..(*old).clone()
                }
            };
            moved.push(file);
        }
        let info_dir = move_path(&dist.dist_info, &tree.layout, layout);
        let (record_dest, record) = installed_record(&moved, &info_dir, layout);
        let listed = dist
            .listed
            .iter()
            .zip(&moved)
            .map(|(l, f)| Listed {
                path: f.path.clone(),
                shebang: l.shebang,
            })
            .collect();
        moved.push(write_claimed(
            root,
            record_dest,
            record.as_bytes(),
            false,
            &dist.name,
            &claims,
        )?);
        files.extend(moved);
        distributions.push(Installed {
            dist_info: info_dir,
            listed,
            ..dist.clone()
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|a, b| a.path == b.path);
    Ok(AppTree {
        root: root.to_path_buf(),
        layout: layout.clone(),
        files,
        distributions,
        scripts: tree.scripts.clone(),
        native: tree.native,
    })
}

/// `path` under `from`'s scheme directories, moved to `to`'s (the most
/// specific directory wins: a frozen layout's data directory holds its
/// site-packages).
fn move_path(path: &str, from: &Layout, to: &Layout) -> String {
    let mut schemes = [
        (&from.site_packages, &to.site_packages),
        (&from.scripts, &to.scripts),
        (&from.headers, &to.headers),
        (&from.data, &to.data),
    ];
    schemes.sort_by_key(|(dir, _)| std::cmp::Reverse(dir.len()));
    for (dir, new) in schemes {
        let rest = if dir.is_empty() {
            Some(path)
        } else {
            path.strip_prefix(dir.as_str())
                .and_then(|r| r.strip_prefix('/'))
        };
        if let Some(rest) = rest {
            return super::join(new, rest);
        }
    }
    path.to_string()
}

/// Hard-link `from` to `root/dest` (copy when linking is not possible).
fn link(from: &Path, root: &Path, dest: &str) -> Result<()> {
    let to = root.join(dest);
    if to.exists() {
        return Ok(());
    }
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    // Bytecode may be rewritten in place by the compiler: never shared.
    let shareable = !dest.ends_with(".pyc");
    if !shareable || std::fs::hard_link(from, &to).is_err() {
        std::fs::copy(from, &to).map_err(|e| Error::io(&to, e))?;
    }
    Ok(())
}
