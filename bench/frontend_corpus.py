"""Corpus: popular PyPI releases built from their sdists by `gradient build`
with no flags; each wheel compared with the wheel the project publishes
(file list, license files named alike wherever PEP 639 put them, and the
METADATA fields installers act on).

    python bench/frontend_corpus.py --gradient target/release/gradient

Prints one line per project (backend, built?, matches?) and the totals.
"""
import argparse
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = [
    ("pluggy", "1.5.0"), ("six", "1.16.0"), ("attrs", "24.2.0"), ("certifi", "2024.8.30"),
    ("idna", "3.10"), ("urllib3", "2.2.3"), ("requests", "2.32.3"), ("packaging", "24.1"),
    ("click", "8.1.7"), ("jinja2", "3.1.4"), ("python-dateutil", "2.9.0.post0"), ("pytz", "2024.2"),
    ("tomlkit", "0.13.2"), ("iniconfig", "2.0.0"), ("tomli", "2.0.1"), ("typing-extensions", "4.12.2"),
    ("filelock", "3.16.1"), ("platformdirs", "4.3.6"), ("distlib", "0.3.8"), ("pygments", "2.18.0"),
    ("rich", "13.9.2"), ("colorama", "0.4.6"), ("wcwidth", "0.2.13"), ("more-itertools", "10.5.0"),
    ("zipp", "3.20.2"), ("importlib-metadata", "8.5.0"), ("exceptiongroup", "1.2.2"),
    ("sniffio", "1.3.1"), ("anyio", "4.6.0"), ("h11", "0.14.0"), ("httpcore", "1.0.6"),
    ("httpx", "0.27.2"), ("unearth", "0.17.2"), ("pdm-backend", "2.4.2"), ("shellingham", "1.5.4"),
    ("poetry-core", "1.9.0"), ("pyparsing", "3.1.4"), ("decorator", "5.1.1"), ("mdurl", "0.1.2"),
    ("markdown-it-py", "3.0.0"), ("tenacity", "9.0.0"), ("cachetools", "5.5.0"),
]
FIELDS = {"Name", "Version", "Summary", "Requires-Python", "Requires-Dist", "Provides-Extra"}
DIST_INFO = {"METADATA", "RECORD", "WHEEL", "entry_points.txt", "top_level.txt"}


def member(name):
    if ".dist-info/" not in name:
        return name
    head, rest = name.split(".dist-info/", 1)
    if rest in DIST_INFO:
        return name
    return "%s.dist-info/license:%s" % (head, rest.removeprefix("licenses/"))


def canonical(key, value):
    """A field's value with what PEP 503/685/508 make equal made equal:
    names and extras normalised, marker spacing, quotes and parentheses."""
    from packaging.utils import canonicalize_name
    value = value.replace(" ", "").replace("'", '"')
    if key == "Provides-Extra":
        return canonicalize_name(value)
    if key != "Requires-Dist":
        return value
    m = re.match(r"([A-Za-z0-9._-]+)(.*)", value)
    value = canonicalize_name(m.group(1)) + m.group(2) if m else value
    value = value.replace("(", "").replace(")", "")
    return re.sub(r'extra=="([^"]+)"', lambda e: 'extra=="%s"' % canonicalize_name(e.group(1)), value)


def contents(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = [n for n in zf.namelist() if not n.endswith("/")]
        meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
        headers = zf.read(meta).decode().split("\n\n", 1)[0]
    fields = sorted((k, canonical(k, v)) for k, _, v in
                    (line.partition(": ") for line in headers.splitlines()) if k in FIELDS)
    return {member(n) for n in names}, fields


def backend(tree):
    try:
        import tomllib
        with open(tree / "pyproject.toml", "rb") as f:
            return tomllib.load(f).get("build-system", {}).get("build-backend", "(legacy setuptools)")
    except FileNotFoundError:
        return "(setup.py only)"


def one(gradient, cache, name, version, tmp):
    fetched = subprocess.run([sys.executable, str(ROOT / "tests/oracle/pypi_fetch.py"), cache, name, version],
                             capture_output=True, text=True)
    if fetched.returncode != 0:
        return "-", "not fetched: " + fetched.stderr.strip()[-200:], None
    files = json.loads(fetched.stdout)
    with tarfile.open(files["sdist"]) as tf:
        tf.extractall(tmp, filter="data")
    tree = next(Path(tmp).iterdir())
    be = backend(tree)
    out = subprocess.run([gradient, "build", str(tree), "--json", "--out", str(Path(tmp) / "out")],
                         capture_output=True, text=True)
    if out.returncode != 0:
        return be, "build failed: " + out.stderr.strip().splitlines()[-1][:200], False
    wheel = next(a["path"] for a in json.loads(out.stdout)["artifacts"] if a["format"] == "wheel")
    ours, theirs = contents(wheel), contents(files["wheel"])
    if ours[0] != theirs[0]:
        return be, "files differ: +%s -%s" % (sorted(ours[0] - theirs[0])[:3], sorted(theirs[0] - ours[0])[:3]), True
    if ours[1] != theirs[1]:
        diff = sorted(set(ours[1]) ^ set(theirs[1]))[:3]
        return be, "METADATA differs: %s" % diff, True
    return be, "match", True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gradient", required=True)
    ap.add_argument("--cache", default=str(Path.home() / ".cache/gradient-studio/pypi-releases"))
    args = ap.parse_args()
    built = matched = tried = 0
    for name, version in CORPUS:
        with tempfile.TemporaryDirectory() as tmp:
            be, verdict, ok = one(args.gradient, args.cache, name, version, tmp)
        if ok is None:
            print(f"{name} {version}: {verdict}")
            continue
        tried += 1
        built += ok
        matched += verdict == "match"
        print(f"{name + ' ' + version:<32}{be:<36}{verdict}", flush=True)
    print(f"{tried} projects: {built} built, {matched} wheels match PyPI's (files and METADATA)")


if __name__ == "__main__":
    main()
