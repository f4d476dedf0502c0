//! What in a project says it compiles code: the native builder writes pure
//! Python wheels only, so `--native` refuses such a project instead of
//! producing a wheel without its extension modules.

use super::BuildSystem;
use std::path::Path;

/// Backends whose purpose is compiling (module names, PEP 517 `build-backend`).
const COMPILING_BACKENDS: &[&str] = &[
    "maturin",
    "scikit_build_core",
    "mesonpy",
    "py_build_cmake",
    "sipbuild",
    "enscons",
];

/// Build requirements that only a compiling build needs (normalised names).
const COMPILING_REQUIRES: &[&str] = &[
    "cython",
    "cffi",
    "pybind11",
    "nanobind",
    "setuptools-rust",
    "scikit-build",
    "cmake",
    "meson",
    "ninja",
    "maturin",
];

/// What `setup.py` calls or passes when it builds extension modules.
const SETUP_PY_MARKERS: &[&str] = &[
    "ext_modules",
    "Extension(",
    "cythonize(",
    "cffi_modules",
    "rust_extensions",
];

/// Everything found that says the project compiles code, each named.
pub fn compiled_parts(root: &Path, system: &BuildSystem) -> Vec<String> {
    let mut found = Vec::new();
    let module = system.backend.split([':', '.']).next().unwrap_or_default();
    if COMPILING_BACKENDS.contains(&module) {
        found.push(format!("build-backend `{}` compiles code", system.backend));
    }
    for r in &system.requires {
        if let Ok(req) = crate::names::parse_requirement(r) {
            let name = crate::names::normalize(req.name.as_ref());
            if COMPILING_REQUIRES.contains(&name.as_str()) {
                found.push(format!("[build-system] requires `{r}`"));
            }
        }
    }
    if let Ok(setup) = std::fs::read_to_string(root.join("setup.py")) {
        for marker in SETUP_PY_MARKERS.iter().filter(|m| setup.contains(**m)) {
            found.push(format!("setup.py uses `{marker}`"));
        }
    }
    if let Ok(text) = std::fs::read_to_string(root.join("pyproject.toml")) {
        if text.contains("ext-modules") {
            found.push("pyproject.toml declares [tool.setuptools] ext-modules".into());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_modules_and_compiling_backends_are_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[build-system]\nrequires = [\"setuptools\", \"Cython>=3\"]\nbuild-backend = \"setuptools.build_meta\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("setup.py"),
            "from setuptools import setup, Extension\nsetup(ext_modules=[Extension('a', ['a.c'])])\n",
        )
        .unwrap();
        let system = BuildSystem::read(dir.path()).unwrap();
        let found = compiled_parts(dir.path(), &system);
        assert!(found.iter().any(|f| f.contains("Cython>=3")), "{found:?}");
        assert!(
            found
                .iter()
                .any(|f| f.contains("setup.py uses `ext_modules`")),
            "{found:?}"
        );
        let maturin = BuildSystem {
            backend: "maturin".into(),
            requires: vec!["maturin>=1,<2".into()],
            ..system
        };
        let found = compiled_parts(tempfile::tempdir().unwrap().path(), &maturin);
        assert!(found[0].contains("build-backend `maturin`"), "{found:?}");
        let hatch = BuildSystem {
            backend: "hatchling.build".into(),
            requires: vec!["hatchling".into()],
            ..maturin
        };
        assert!(compiled_parts(tempfile::tempdir().unwrap().path(), &hatch).is_empty());
    }
}
