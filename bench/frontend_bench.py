"""Benchmark: isolated PEP 517 builds of real projects, side by side.

gradient build (its own resolver, installer and cached environments) vs
python -m build (pip, a fresh venv per build) vs uv build, on sdists from
PyPI (flit-core, hatch-vcs, setuptools_scm). Each tool builds the sdist and
the wheel from it. "cold": an empty cache for the tool; "warm": the same
build again with the cache the cold build left. Medians and ratios to
gradient's.

    bench/run frontend [--runs N]
"""
import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from common import environment, timed

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PROJECTS = [("tomli", "2.0.1"), ("iniconfig", "2.0.0"), ("pluggy", "1.5.0")]


def fetch(cache, name, version):
    out = subprocess.run(
        [sys.executable, str(ROOT / "tests/oracle/pypi_fetch.py"), str(cache), name, version],
        check=True, capture_output=True, text=True)
    return Path(json.loads(out.stdout)["sdist"])


def unpack(sdist, into):
    with tarfile.open(sdist) as tf:
        tf.extractall(into, filter="data")
    return next(Path(into).iterdir())


def commands(tool, tree, out, cache, gradient):
    if tool == "gradient":
        return [gradient, "build", tree, "--out", out], {"GRADIENT_CACHE_DIR": cache}
    if tool == "build":
        return [sys.executable, "-m", "build", tree, "--outdir", out], {"PIP_CACHE_DIR": cache}
    uv = Path(sys.executable).with_name("uv")
    return [uv, "build", tree, "--out-dir", out], {"UV_CACHE_DIR": cache}


def measure(tool, tree, gradient, runs):
    cold, warm = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            cache = Path(tmp) / "cache"
            for times in (cold, warm):
                out = Path(tmp) / "out"
                shutil.rmtree(out, ignore_errors=True)
                cmd, extra = commands(tool, tree, out, cache, gradient)
                env = environment(**extra)
                env.pop("PIP_FIND_LINKS", None)
                times.append(timed(cmd, env=env)[0])
    return statistics.median(cold), statistics.median(warm)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gradient", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cache", default=str(Path.home() / ".cache/gradient-studio/pypi-releases"))
    args = ap.parse_args()
    tools = ["gradient", "build", "uv"]
    print(f"{'project':<18}{'tool':<10}{'cold s':>8}{'warm s':>8}{'cold x':>8}{'warm x':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, version in PROJECTS:
            tree = unpack(fetch(args.cache, name, version), Path(tmp) / name)
            results = {t: measure(t, tree, args.gradient, args.runs) for t in tools}
            g_cold, g_warm = results["gradient"]
            for tool in tools:
                cold, warm = results[tool]
                print(f"{name + ' ' + version:<18}{tool:<10}{cold:>8.2f}{warm:>8.2f}"
                      f"{cold / g_cold:>8.2f}{warm / g_warm:>8.2f}")
    print("x = the tool's median time / gradient's (above 1: gradient is faster)")


if __name__ == "__main__":
    main()
