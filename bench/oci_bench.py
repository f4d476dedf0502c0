"""Benchmark: gradient's container image of the fixture application vs umoci
building the same root file system, and vs the tar + gzip + sha256 limit;
plus the rebuild after editing one module. Side by side in one run.

- gradient: `gradient build --format oci` (base from the cached .deb files,
  bundled runtime, dependencies, project; four layers compressed in
  parallel; layout, oci-archive and docker tar written).
- umoci: a new image, the same root file system (gradient's, unpacked by
  umoci beforehand, untimed) copied into its bundle, then `umoci repack`
  (one layer: tar, gzip, sha256) — the daemonless tool people use today.
- limit: `tar -c rootfs | gzip -6 | sha256sum`, one pass, one core: what any
  tool must at least spend on the same bytes.
- rebuild: one module edited, `gradient build --format oci` again.

    bench/run oci [--runs N]
"""
import argparse
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from common import real_python, timed

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out" / "oci"


def median(samples):
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--gradient", required=True)
    parser.add_argument("--wheelhouse", required=True)
    parser.add_argument("--debs", required=True)
    args = parser.parse_args()
    python = real_python()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    app = OUT / "app"
    shutil.copytree(ROOT / "tests" / "fixtures" / "app", app)
    build = [args.gradient, "build", str(app), "--format", "oci", "--python", python,
             "--wheelhouse", args.wheelhouse, "--base", args.debs, "--out", str(OUT / "dist")]
    timed(build)  # warm the bytecode store and the page cache
    gradient = [timed(build)[0] for _ in range(args.runs)]
    layout = next((OUT / "dist").glob("*-oci"))

    bundle = OUT / "bundle"
    timed(["umoci", "unpack", "--image", f"{layout}:1.2.0", str(bundle)])
    rootfs = bundle / "rootfs"
    files = sum(1 for p in rootfs.rglob("*") if p.is_file())
    size = sum(p.stat().st_size for p in rootfs.rglob("*") if p.is_file() and not p.is_symlink())

    umoci = []
    for i in range(args.runs):
        image = OUT / f"umoci-{i}"
        target = OUT / f"umoci-bundle-{i}"
        timed(["umoci", "init", "--layout", str(image)])
        timed(["umoci", "new", "--image", f"{image}:t"])
        timed(["umoci", "unpack", "--image", f"{image}:t", str(target)])
        shutil.rmtree(target / "rootfs")
        shutil.copytree(rootfs, target / "rootfs", symlinks=True)
        umoci.append(timed(["umoci", "repack", "--image", f"{image}:t", str(target)])[0])

    limit = []
    for _ in range(args.runs):
        limit.append(timed(["bash", "-c", f"tar -C {rootfs} -cf - . | gzip -6 | sha256sum"])[0])

    rebuild = []
    cli = app / "greet" / "cli.py"
    for i in range(args.runs):
        cli.write_text(cli.read_text() + f"\n# edit {i}\n")
        rebuild.append(timed(build)[0])

    g = median(gradient)
    print(f"root file system: {files} files, {size / 1e6:.1f} MB; {args.runs} runs, medians")
    print(f"{'':38}{'seconds':>9}{'ratio':>8}")
    print(f"{'gradient build --format oci':38}{g:9.2f}{1:8.2f}")
    print(f"{'umoci repack (same rootfs, 1 layer)':38}{median(umoci):9.2f}{median(umoci) / g:8.2f}")
    print(f"{'tar | gzip -6 | sha256sum (limit)':38}{median(limit):9.2f}{median(limit) / g:8.2f}")
    print(f"{'gradient rebuild after one edit':38}{median(rebuild):9.2f}{median(rebuild) / g:8.2f}")


if __name__ == "__main__":
    main()
