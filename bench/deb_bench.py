"""Benchmark: gradient's Debian package writer vs `dpkg-deb --build`, on the
same staged tree with the same compression, side by side in one run.

The tree is the fixture application (tests/fixtures/app) as gradient packages
it in the bundled layout (its own Python runtime, ~2,000 files): built once
with `gradient build --format deb`, then unpacked with `dpkg-deb -R` (untimed).
Each tool then packs that tree:
  dpkg-deb   dpkg-deb --root-owner-group -Z<c> -z<level> --build TREE OUT
             (md5sums taken from the tree: dpkg-deb does not compute them)
  gradient   the engine's .deb writer (examples/deb_pack.rs), which also
             computes md5sums while writing data.tar
Levels are dpkg-deb's defaults: zstd 3, xz 6, gzip 9.

Also reported: `gradient build --format deb` from the project (resolve,
install, collect the runtime, write), for scale.

    bench/run deb [--runs N]
"""
import argparse
import os
import shutil
import statistics
import subprocess
from pathlib import Path

from common import environment, real_python, timed

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out" / "deb"
LEVELS = {"zstd": 3, "xz": 6, "gzip": 9}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--gradient", required=True)
    parser.add_argument("--pack", required=True)
    parser.add_argument("--wheelhouse", required=True)
    args = parser.parse_args()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    app = OUT / "app"
    shutil.copytree(ROOT / "tests" / "fixtures" / "app", app)
    with open(app / "pyproject.toml", "a") as f:
        f.write('\n[tool.gradient.deb]\nmaintainer = "Bench <bench@example.org>"\n')
    env = environment(SOURCE_DATE_EPOCH=1700000000)

    builds = []
    for i in range(args.runs):
        out = OUT / f"build{i}"
        seconds, _ = timed([args.gradient, "build", str(app), "--format", "deb", "--python", real_python(),
                            "--wheelhouse", args.wheelhouse, "--out", str(out)], env=env)
        builds.append(seconds)
    deb = next((OUT / "build0").glob("*.deb"))
    tree = OUT / "tree"
    subprocess.run(["dpkg-deb", "-R", str(deb), str(tree)], check=True)
    files = sum(1 for p in tree.rglob("*") if p.is_file())
    size = sum(p.stat().st_size for p in tree.rglob("*") if p.is_file())
    print(f"tree: {files} files, {size / 1e6:.1f} MB; gradient build --format deb from the project: "
          f"{statistics.median(builds):.2f} s (median of {args.runs})")
    print(f"{'compression':<12}{'dpkg-deb s':>12}{'gradient s':>12}{'ratio':>8}{'dpkg-deb MB':>13}{'gradient MB':>13}")
    for comp, level in LEVELS.items():
        dpkg, ours, dpkg_size, our_size = [], [], 0, 0
        for i in range(args.runs):
            out = OUT / f"dpkg-{comp}-{i}.deb"
            seconds, _ = timed(["dpkg-deb", "--root-owner-group", f"-Z{comp}", f"-z{level}", "--build",
                                str(tree), str(out)], env=env)
            dpkg.append(seconds)
            dpkg_size = out.stat().st_size
            out = OUT / f"gradient-{comp}-{i}.deb"
            seconds, _ = timed([args.pack, str(tree), str(out), comp], env=env)
            ours.append(seconds)
            our_size = out.stat().st_size
        d, g = statistics.median(dpkg), statistics.median(ours)
        print(f"{comp:<12}{d:>12.3f}{g:>12.3f}{d / g:>8.2f}{dpkg_size / 1e6:>13.2f}{our_size / 1e6:>13.2f}")
    print("ratio = dpkg-deb / gradient (above 1: gradient is faster)")


if __name__ == "__main__":
    main()
