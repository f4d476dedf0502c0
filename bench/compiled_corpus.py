"""Corpus: projects with compiled code, one per build backend, built from
their PyPI sdists by `gradient build` with no flags (so repaired as built),
then judged: `auditwheel show` must agree with the wheel's tag, pip must
install it into a clean virtual environment (dependencies from PyPI) and
the extension module must import. Each wheel's file list is compared with
the project's own published cp3X manylinux wheel, bundled libraries
compared by their unmangled names.

    python bench/compiled_corpus.py --gradient target/release/gradient [--only NAME]

Prints one line per project and the totals. Slow (Rust and C++ compiles):
not part of the test suite; e2e `repair.rs` builds MarkupSafe and PyYAML.
"""
import argparse
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# (name, version, backend, extension module to import)
CORPUS = [
    ("markupsafe", "3.0.4", "setuptools (C)", "markupsafe._speedups"),
    ("pyyaml", "6.0.4", "setuptools + Cython, libyaml", "yaml._yaml"),
    ("bcrypt", "5.0.0", "setuptools-rust (Rust)", "bcrypt._bcrypt"),
    ("rpds-py", "2026.9.1", "maturin (Rust)", "rpds.rpds"),
    ("mapbox-earcut", "2.1.0", "scikit-build-core (C++)", "mapbox_earcut._core"),
    ("contourpy", "1.3.3", "meson-python (C++)", "contourpy._contourpy"),
]


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def sdist_tree(cache, name, version, tmp):
    fetched = run([sys.executable, str(ROOT / "tests/oracle/pypi_fetch.py"), cache, name, version, "--sdist-only"])
    if fetched.returncode:
        raise RuntimeError(fetched.stderr.strip())
    with tarfile.open(json.loads(fetched.stdout)["sdist"]) as tf:
        tf.extractall(tmp, filter="data")
    return next(p for p in Path(tmp).iterdir() if p.is_dir())


def published_files(name, version, pytag):
    """Member names of the project's own manylinux wheel for `pytag`."""
    req = urllib.request.Request("https://pypi.org/simple/%s/" % name,
                                 headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        files = json.load(r)["files"]
    for f in files:
        fn = f["filename"]
        if fn.endswith(".whl") and "-%s-" % version in fn and pytag in fn and "manylinux" in fn and "x86_64" in fn:
            with urllib.request.urlopen(f["url"], timeout=120) as r, tempfile.TemporaryFile() as t:
                t.write(r.read())
                t.seek(0)
                return set(zipfile.ZipFile(t).namelist())
    return None


def unmangled(names):
    """`pkg.libs/libz-1a2b3c4d.so.1` → `.libs/libz.so.1`; RECORD and such kept."""
    out = set()
    for n in names:
        if n.endswith("/"):  # directory entries some writers add
            continue
        n = re.sub(r"^[^/]+\.libs/(.+?)-[0-9a-f]{8}(\.so.*)$", r".libs/\1\2", n)
        if ".dist-info/" in n:
            n = "dist-info/" + n.split(".dist-info/", 1)[1]
        out.add(n)
    return out


def one(gradient, auditwheel, cache, item):
    name, version, backend, module = item
    with tempfile.TemporaryDirectory() as tmp:
        tree = sdist_tree(cache, name, version, tmp)
        out = run([gradient, "build", str(tree), "--format", "wheel", "--json", "--out", str(Path(tmp) / "out")])
        if out.returncode:
            return {"built": False, "why": out.stderr.strip().splitlines()[-1:]}
        report = json.loads(out.stdout)
        wheel = Path(next(a["path"] for a in report["artifacts"] if a["format"] == "wheel"))
        plat = wheel.name[:-4].rsplit("-", 1)[1].split(".")[0]
        shown = run([auditwheel, "show", str(wheel)]).stdout.replace("\n", " ")
        m = re.search(r'platform tag: "([^"]+)"', shown)
        agrees = bool(m) and m.group(1) == plat
        venv = Path(tmp) / "venv"
        run([sys.executable, "-m", "venv", str(venv)])
        pip = run([str(venv / "bin/python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)])
        imported = pip.returncode == 0 and run([str(venv / "bin/python"), "-c", "import " + module],
                                               cwd=tmp).returncode == 0
        ours = unmangled(zipfile.ZipFile(wheel).namelist())
        pytag = wheel.name.split("-")[-3]
        theirs = published_files(name, version, "-%s-" % pytag)
        theirs = unmangled(theirs) if theirs is not None else None
        return {"built": True, "wheel": wheel.name, "auditwheel": m.group(1) if m else shown[:200],
                "agrees": agrees, "installs": pip.returncode == 0, "imports": imported,
                "grafted": [n for n in ours if n.startswith(".libs/")],
                "only_ours": sorted(ours - theirs) if theirs is not None else None,
                "only_theirs": sorted(theirs - ours) if theirs is not None else None}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gradient", required=True)
    ap.add_argument("--cache", default=str(Path.home() / ".cache/gradient-studio/pypi-releases"))
    ap.add_argument("--only")
    args = ap.parse_args()
    auditwheel = str(Path(sys.executable).with_name("auditwheel"))
    good = 0
    items = [c for c in CORPUS if not args.only or c[0] == args.only]
    for item in items:
        try:
            r = one(args.gradient, auditwheel, args.cache, item)
        except Exception as exc:  # a download or unpack failure is a result too
            r = {"built": False, "why": repr(exc)}
        ok = r.get("built") and r["agrees"] and r["installs"] and r["imports"]
        good += bool(ok)
        print("%-14s %-30s %s" % (item[0], item[2], json.dumps(r)), flush=True)
    print("\n%d of %d built, repaired, agreed with auditwheel, installed and imported" % (good, len(items)))


if __name__ == "__main__":
    main()
