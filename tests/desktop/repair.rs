//! A platform wheel is repaired before it is delivered: the studio builds
//! a setuptools C extension linked against a private library and shows,
//! in the build result, the verdict before and after, the library grafted
//! into the wheel and the symbols that hold a better tag back.

use super::Studio;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// `libgreet.so.1` (and the `libgreet.so` link the linker wants) in `dir`:
/// outside every manylinux policy, so repair must graft it.
fn libgreet(dir: &Path) -> PathBuf {
    write(
        &dir.join("greet.c"),
        "int greet_value(void) { return 7; }\n",
    );
    let out = Command::new("gcc")
        .args(["-shared", "-fPIC", "-Wl,-soname,libgreet.so.1", "-o"])
        .arg(dir.join("libgreet.so.1"))
        .arg(dir.join("greet.c"))
        .output()
        .expect("gcc runs");
    assert!(
        out.status.success(),
        "gcc: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::os::unix::fs::symlink("libgreet.so.1", dir.join("libgreet.so")).expect("symlink");
    dir.to_path_buf()
}

/// A setuptools project whose extension links libgreet from `libdir` and
/// calls arc4random (GLIBC_2.36: nothing older than manylinux_2_36 holds it).
fn greet_project(root: &Path, libdir: &Path) -> PathBuf {
    let dir = root.join("greet_new");
    let lib = libdir.display();
    write(
        &dir.join("pyproject.toml"),
        "[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n\n[project]\nname = \"greet_new\"\nversion = \"0.1\"\ndescription = \"A C extension\"\n",
    );
    write(
        &dir.join("setup.py"),
        &format!("from setuptools import setup, Extension\nsetup(packages=['greet_new'], ext_modules=[Extension('greet_new._impl', ['greet_new/_impl.c'], libraries=['greet'], library_dirs=['{lib}'], runtime_library_dirs=['{lib}'])])\n"),
    );
    write(&dir.join("greet_new/__init__.py"), "");
    write(
        &dir.join("greet_new/_impl.c"),
        r#"#include <Python.h>
#include <stdlib.h>
int greet_value(void);
unsigned int fresh(void) { return arc4random(); }
static PyObject *value(PyObject *self, PyObject *args) { return PyLong_FromLong(greet_value()); }
static PyMethodDef methods[] = {{"value", value, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "_impl", NULL, -1, methods};
PyMODINIT_FUNC PyInit__impl(void) { return PyModule_Create(&mod); }
"#,
    );
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn builds_a_c_extension_and_shows_its_repair() {
    let work = tempfile::tempdir().expect("tempdir");
    let lib = libgreet(&work.path().join("lib"));
    let project = greet_project(work.path(), &lib);
    let studio = Studio::launch(&[project.to_str().expect("utf-8")]).await;
    studio.wait_text("#project-name", "greet_new").await;
    studio
        .wait_text("#trust-text", "setuptools.build_meta")
        .await;
    studio.click("#trust-project").await;
    studio.wait_text("#artifact-name", "greet_new-0.1").await;
    studio.click("#build").await;
    let path = studio
        .wait_text_within(
            "#result-path",
            "-manylinux_2_36_x86_64.whl",
            Duration::from_secs(300),
        )
        .await;
    assert!(PathBuf::from(&path).is_file(), "{path}");

    let panel = studio.wait_text("#repairs", "libgreet.so.1").await;
    for needle in [
        "Repaired for manylinux_2_36_x86_64: 1 library grafted",
        "linux_x86_64 → manylinux_2_36_x86_64",
        "linux_x86_64: libgreet.so.1 outside every policy",
        "greet_new.libs/libgreet-",
        &format!("{}/libgreet.so.1", lib.display()),
        "from manylinux_2_35_x86_64: GLIBC_2.36 needed by greet_new/_impl.",
        "arc4random",
    ] {
        assert!(panel.contains(needle), "`{needle}` in the panel:\n{panel}");
    }
    // Only the repaired wheel reaches dist/.
    let dist: Vec<String> = std::fs::read_dir(project.join("dist"))
        .expect("dist")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(dist.len(), 1, "{dist:?}");
    assert!(dist[0].ends_with("-manylinux_2_36_x86_64.whl"), "{dist:?}");

    studio.scroll_to("result").await;
    studio.screenshot("repair-result").await;
    studio.close().await;
}
