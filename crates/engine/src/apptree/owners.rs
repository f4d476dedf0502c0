//! Which distribution put each file of an installed tree there: its
//! installed RECORD ("Recording installed projects") lists the files, and
//! bytecode compiled afterwards belongs to the owner of its module.

use super::AppTree;
use crate::plan::Origin;
use std::collections::HashMap;

/// Tree path → the distribution that installed it.
pub struct Owners<'a> {
    by_path: HashMap<&'a str, &'a str>,
    /// `.dist-info` directories: their RECORD is not among its own rows.
    dist_infos: Vec<(&'a str, &'a str)>,
}

impl AppTree {
    /// Who installed what.
    pub fn owners(&self) -> Owners<'_> {
        let mut by_path = HashMap::new();
        let mut dist_infos = Vec::new();
        for d in &self.distributions {
            by_path.extend(d.listed.iter().map(|l| (l.path.as_str(), d.name.as_str())));
            dist_infos.push((d.dist_info.as_str(), d.name.as_str()));
        }
        Owners {
            by_path,
            dist_infos,
        }
    }
}

impl Owners<'_> {
    /// The origin of the tree file at `path` (the project's own
    /// distribution is told apart later: [`Origin::own`]).
    pub fn origin(&self, path: &str) -> Origin {
        match self.owner(path) {
            Some(name) => Origin::Distribution(name.to_string()),
            None => Origin::Other,
        }
    }

    fn owner(&self, path: &str) -> Option<&str> {
        if let Some(name) = self.by_path.get(path) {
            return Some(name);
        }
        if let Some(&(_, name)) = self.dist_infos.iter().find(|(info, _)| {
            path.strip_prefix(info)
                .is_some_and(|rest| rest.starts_with('/'))
        }) {
            return Some(name);
        }
        self.by_path.get(module_of(path)?.as_str()).copied()
    }
}

/// The module a compiled file was compiled from: `d/__pycache__/m.cpython-312.pyc`
/// (PEP 3147) or a legacy `d/m.pyc` beside it → `d/m.py`.
fn module_of(pyc: &str) -> Option<String> {
    let stem = pyc.strip_suffix(".pyc")?;
    Some(match stem.rsplit_once("/__pycache__/") {
        Some((dir, file)) => format!("{dir}/{}.py", file.split('.').next().unwrap_or(file)),
        None => match pyc.split_once("__pycache__/") {
            Some(("", file)) => format!("{}.py", file.split('.').next().unwrap_or(file)),
            _ => format!("{stem}.py"),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apptree::{Installed, Layout, Listed};

    fn tree() -> AppTree {
        let dist = |name: &str, files: &[&str]| Installed {
            name: name.into(),
            version: "1.0".into(),
            dist_info: format!("site-packages/{name}-1.0.dist-info"),
            listed: files
                .iter()
                .map(|p| Listed {
                    path: p.to_string(),
                    shebang: false,
                })
                .collect(),
        };
        AppTree {
            root: "/nowhere".into(),
            layout: Layout::standard("/usr/bin/python3"),
            files: Vec::new(),
            distributions: vec![
                dist("click", &["site-packages/click/core.py"]),
                dist("My_App", &["site-packages/my_app/cli.py", "top.py"]),
            ],
            scripts: Vec::new(),
            native: false,
        }
    }

    #[test]
    fn files_bytecode_and_metadata_belong_to_their_distribution() {
        let tree = tree();
        let owners = tree.owners();
        let click = Origin::Distribution("click".into());
        assert_eq!(owners.origin("site-packages/click/core.py"), click);
        assert_eq!(
            owners.origin("site-packages/click/__pycache__/core.cpython-312.pyc"),
            click
        );
        assert_eq!(owners.origin("site-packages/click/core.pyc"), click);
        assert_eq!(
            owners.origin("__pycache__/top.cpython-312.pyc"),
            Origin::Distribution("My_App".into())
        );
        assert_eq!(
            owners.origin("site-packages/click-1.0.dist-info/RECORD"),
            click
        );
        assert_eq!(
            owners.origin("site-packages/my_app/cli.py"),
            Origin::Distribution("My_App".into())
        );
        assert_eq!(
            owners.origin("site-packages/click-1.0.dist-infox"),
            Origin::Other
        );
        assert_eq!(owners.origin("site-packages/other.py"), Origin::Other);
    }
}
