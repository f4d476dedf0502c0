//! The sdist Gradient writes natively carries what the project's own
//! backend needs and what downstream packagers expect: a setuptools
//! project's wheel built by setuptools from Gradient's sdist is the wheel
//! setuptools builds from the tree; click's sdist rebuilt natively holds
//! every file of the one click publishes on PyPI.

use crate::support::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A setuptools project whose wheel depends on setup.cfg (`package_data`,
/// `include_package_data`) and MANIFEST.in (package data named by `graft`
/// and `recursive-include`), with tests, a CHANGES file and a file
/// MANIFEST.in excludes.
fn setuptools_project(root: &Path) {
    write(
        &root.join("pyproject.toml"),
        "[build-system]\nrequires = [\"setuptools>=64\"]\nbuild-backend = \"setuptools.build_meta\"\n\n\
         [project]\nname = \"acme-tiles\"\nversion = \"0.3.0\"\ndescription = \"Tiles for the acme studio\"\nreadme = \"README.md\"\n\
         requires-python = \">=3.8\"\ndependencies = [\"packaging>=21\"]\n",
    );
    write(
        &root.join("setup.cfg"),
        "[options]\ninclude_package_data = True\npackages = find:\n\n\
         [options.packages.find]\nexclude =\n    tests\n    tests.*\n\n\
         [options.package_data]\nacme_tiles = *.dat\n",
    );
    write(
        &root.join("setup.py"),
        "from setuptools import setup\n\nsetup()\n",
    );
    write(
        &root.join("MANIFEST.in"),
        "# package data for include_package_data\ninclude CHANGES\ngraft acme_tiles/templates\n\
         recursive-include acme_tiles *.json\nglobal-exclude *.orig\n",
    );
    write(
        &root.join("acme_tiles/__init__.py"),
        "def tile():\n    return \"tile\"\n",
    );
    write(
        &root.join("acme_tiles/templates/tile.html"),
        "<p>{{ tile }}</p>\n",
    );
    write(&root.join("acme_tiles/data/palette.json"), "{\"red\": 1}\n");
    write(&root.join("tests/test_tiles.py.orig"), "{}\n");
    write(&root.join("acme_tiles/glyphs.dat"), "glyphs\n");
    write(
        &root.join("tests/test_tiles.py"),
        "from acme_tiles import tile\n\n\ndef test_tile():\n    assert tile() == \"tile\"\n",
    );
    write(&root.join("README.md"), "# acme-tiles\n\nTiles.\n");
    write(&root.join("CHANGES"), "0.3.0\n- tiles\n");
}

/// Archive path → reason of every entry `gradient preview --json` plans.
fn preview_reasons(project: &Path) -> BTreeMap<String, String> {
    let out = run(gradient()
        .args(["preview", "--native", "--json", "--format", "sdist"])
        .arg(project));
    assert!(out.status.success(), "{}", stderr(&out));
    let plan: Value = serde_json::from_slice(&out.stdout).expect("plan JSON");
    plan["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            let path = e["path"].as_str().expect("path");
            let rel = path.split_once('/').map_or(path, |(_, rel)| rel);
            (
                rel.to_string(),
                e["reason"].as_str().expect("reason").into(),
            )
        })
        .collect()
}

/// The member files of an sdist, without its top directory.
fn members(sdist: &Path) -> BTreeSet<String> {
    let file = std::fs::File::open(sdist).expect("sdist");
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    archive
        .entries()
        .expect("a tar")
        .map(|e| e.expect("entry"))
        .filter(|e| e.header().entry_type().is_file())
        .map(|e| {
            let path = e.path().expect("path").to_string_lossy().into_owned();
            path.split_once('/')
                .map_or(path.clone(), |(_, rel)| rel.to_string())
        })
        .collect()
}

#[test]
fn sdist_setuptools_wheel_from_gradient_sdist_matches_the_backends() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("acme-tiles");
    setuptools_project(&project);
    let cache = download_cache().with_file_name("frontend-cache");
    let env = [("GRADIENT_CACHE_DIR", cache.as_path())];

    let report = build_json_env(
        &project,
        &tmp.path().join("native"),
        &["--native", "--format", "sdist"],
        &env,
    );
    let sdist = artifact(&report, "sdist");
    assert_checks(
        &judge("sdist", &sdist, &[], ""),
        &["tarfile", "metadata", "twine"],
    );
    let listed = members(&sdist);
    for expected in [
        "setup.py",
        "setup.cfg",
        "MANIFEST.in",
        "CHANGES",
        "tests/test_tiles.py",
    ] {
        assert!(
            listed.contains(expected),
            "sdist lacks {expected}: {listed:?}"
        );
    }
    assert!(!listed.contains("tests/test_tiles.py.orig"), "{listed:?}");

    // Each file with the rule that took it, and the one that left out the rest.
    let reasons = preview_reasons(&project);
    assert_eq!(reasons["setup.cfg"], "backend file: setup.cfg");
    assert_eq!(reasons["tests/test_tiles.py"], "downstream: tests");
    assert_eq!(reasons["CHANGES"], "downstream: changelog");
    let out = run(gradient()
        .args(["preview", "--native", "--format", "sdist", "--excluded"])
        .arg(&project));
    assert!(
        stdout(&out)
            .contains("tests/test_tiles.py.orig  (MANIFEST.in line 5: global-exclude *.orig)"),
        "{}",
        stdout(&out)
    );

    // setuptools builds the same wheel from Gradient's sdist as from the tree.
    let unpacked = unpack(&sdist, &tmp.path().join("unpacked"));
    let from_sdist = build_json_env(
        &unpacked,
        &tmp.path().join("a"),
        &["--format", "wheel"],
        &env,
    );
    let from_tree = build_json_env(
        &project,
        &tmp.path().join("b"),
        &["--format", "wheel"],
        &env,
    );
    let (a, b) = (
        artifact(&from_tree, "wheel"),
        artifact(&from_sdist, "wheel"),
    );
    let diff = run(gradient().arg("diff").arg(&a).arg(&b));
    assert_eq!(diff.status.code(), Some(0), "{}", stdout(&diff));
    // And that wheel holds the package data MANIFEST.in and setup.cfg name.
    let wheel = zip::ZipArchive::new(std::fs::File::open(&b).expect("wheel")).expect("a zip");
    let names: BTreeSet<&str> = wheel.file_names().collect();
    for data in [
        "acme_tiles/glyphs.dat",
        "acme_tiles/data/palette.json",
        "acme_tiles/templates/tile.html",
    ] {
        assert!(names.contains(data), "the wheel lacks {data}: {names:?}");
    }
}

#[test]
fn sdist_click_rebuilt_natively_holds_every_file_of_pypis() {
    let published = pypi_sdist("click", "8.3.1");
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = unpack(&published, &tmp.path().join("src"));
    let report = build_json(
        &tree,
        &tmp.path().join("out"),
        &["--native", "--format", "sdist"],
    );
    let ours = members(&artifact(&report, "sdist"));
    let theirs = members(&published);
    let missing: Vec<&String> = theirs.difference(&ours).collect();
    assert!(missing.is_empty(), "ours lacks {missing:?}");
    eprintln!(
        "click 8.3.1 sdist: ours {} files, PyPI's {}",
        ours.len(),
        theirs.len()
    );
    let reasons = preview_reasons(&tree);
    assert_eq!(
        reasons["tests/test_basic.py"],
        "tool.flit.sdist.include: tests/"
    );
    assert_eq!(reasons["docs/conf.py"], "tool.flit.sdist.include: docs/");
    assert_eq!(
        reasons["CHANGES.rst"],
        "tool.flit.sdist.include: CHANGES.rst"
    );
}
