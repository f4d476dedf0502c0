"""Benchmark: gradient inspect vs the tools people use to look inside wheels.

On the same large real wheels, side by side in one run: `gradient inspect
--json` (reads, inflates, hashes and verifies every member, lints, reads
every ELF file and judges the manylinux tag), check-wheel-contents,
wheel2json (wheel-inspect), auditwheel show, and the throughput limit of
inflate + sha256 on this machine (examples/inflate_limit.rs: the zip crate
and sha2 on one core, doing nothing else). Reports medians and ratios.

    bench/run inspect [--runs N]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

WHEELS = ["numpy==2.4.6", "scipy==1.16.3", "cryptography==50.0.2"]


def timed(cmd, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            sys.exit(f"{cmd[0]} failed: {proc.stderr.decode()[-500:]}")
    return statistics.median(times)


def limit(binary, wheel, runs):
    results = []
    for _ in range(runs):
        out = subprocess.run([binary, wheel], capture_output=True, text=True, check=True).stdout.split()
        results.append((float(out[0]), int(out[1])))
    return statistics.median(r[0] for r in results), results[0][1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gradient", required=True)
    ap.add_argument("--limit", required=True)
    ap.add_argument("--wheel2json", required=True)
    ap.add_argument("--cache", required=True)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    bindir = Path(sys.executable).parent
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:",
         "--python-version", "3.11", "--platform", "manylinux_2_28_x86_64", "--platform", "manylinux2014_x86_64",
         "--dest", str(cache), *WHEELS],
        check=True,
    )
    wheels = sorted(p for p in cache.glob("*.whl") if any(p.name.startswith(w.split("==")[0].replace("-", "_")) for w in WHEELS))
    tools = {
        "gradient inspect": lambda w: [args.gradient, "inspect", "--json", w],
        "check-wheel-contents": lambda w: [str(bindir / "check-wheel-contents"), w],
        "wheel2json": lambda w: [args.wheel2json, w],
        "auditwheel show": lambda w: [str(bindir / "auditwheel"), "show", w],
    }
    print(f"median of {args.runs} runs, {os.cpu_count()} cores; ratio = tool time / gradient time")
    for wheel in wheels:
        w = str(wheel)
        limit_time, inflated = limit(args.limit, w, args.runs)
        times = {name: timed(cmd(w), args.runs) for name, cmd in tools.items()}
        ours = times["gradient inspect"]
        size = wheel.stat().st_size / 1e6
        print(f"\n{wheel.name}: {size:.1f} MB, {inflated / 1e6:.1f} MB inflated")
        print(f"  {'inflate+sha256 limit (1 core)':32} {limit_time:8.3f} s   gradient = {ours / limit_time:.2f}x the limit")
        for name, t in times.items():
            print(f"  {name:32} {t:8.3f} s   {t / ours:6.1f}x")


if __name__ == "__main__":
    main()
