"""Benchmark: gradient's zipapp vs shiv vs pex, on the same application and
the same wheelhouse, side by side in one run.

The application is tests/fixtures/app (greet: click, rich, markupsafe with
its extension module). shiv and pex cannot build a project whose backend is
Gradient's, so they get the application's wheel (built beforehand, untimed)
in a copy of the wheelhouse; gradient builds its own wheel from source inside
the timed build.

Reported per tool (median of --runs; ratio = tool / gradient):
  build      building the archive, fresh tool caches each time (and, for
             gradient, also with its bytecode store warm: the edit-build loop)
  size       the archive in bytes
  first run  `greet Ada --html '<b>'` with an empty extraction cache
  warm       the same command once the cache is filled
and, for warm start-up, a plain venv running the same wheels (the bar).

    bench/run zipapp [--runs N]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import environment, real_python, stage_fixture, timed

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out" / "zipapp"
ARGS = ["Ada", "--html", "<b>"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--gradient", required=True)
    parser.add_argument("--wheelhouse", required=True)
    args = parser.parse_args()
    bindir = Path(sys.executable).parent
    python = real_python()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    # The application's wheel for shiv and pex, beside the dependencies.
    app, wheels = stage_fixture(OUT, ROOT, args.gradient, args.wheelhouse)

    def gradient_with(store):
        def build(out, scratch):
            cache = store if store else scratch / "cache"
            return [args.gradient, "build", str(app), "--format", "zipapp", "--python", python,
                    "--wheelhouse", args.wheelhouse, "--out", str(out)], \
                {"GRADIENT_CACHE_DIR": cache}, out / "greet-1.2.0.pyz"
        return build

    # Warm: the bytecode store already holds every module (the edit-build
    # loop); cold: an empty cache, like every other tool here.
    warm_store = OUT / "gradient-store"
    cmd, extra, _ = gradient_with(warm_store)(Path(tempfile.mkdtemp(dir=OUT)), None)
    timed(cmd, env=environment(**extra))

    def build_shiv(out, scratch):
        target = out / "greet-shiv.pyz"
        return [str(bindir / "shiv"), "--python", python, "--no-index", "--find-links", str(wheels),
                "-c", "greet", "-o", str(target), "greet"], {"PIP_NO_CACHE_DIR": "1"}, target

    def build_pex(out, scratch):
        target = out / "greet.pex"
        return [str(bindir / "pex"), "--python", python, "--no-pypi", "-f", str(wheels), "greet",
                "-c", "greet", "-o", str(target)], {"PEX_ROOT": scratch / "pex-root"}, target

    tools = {"gradient": (gradient_with(None), "GRADIENT_ZIPAPP_CACHE"),
             "gradient, warm": (gradient_with(warm_store), "GRADIENT_ZIPAPP_CACHE"),
             "shiv": (build_shiv, "SHIV_ROOT"),
             "pex": (build_pex, "PEX_ROOT")}
    results = {}
    for tool, (builder, cache_var) in tools.items():
        build_times = []
        for _ in range(args.runs):
            out = Path(tempfile.mkdtemp(dir=OUT, prefix=f"{tool}-out-"))
            scratch = Path(tempfile.mkdtemp(dir=OUT, prefix=f"{tool}-scratch-"))
            cmd, extra, artifact = builder(out, scratch)
            elapsed, _ = timed(cmd, env=environment(**extra))
            build_times.append(elapsed)
        size = artifact.stat().st_size
        first, warm = [], []
        for _ in range(args.runs):
            cache = Path(tempfile.mkdtemp(dir=OUT, prefix=f"{tool}-cache-"))
            env = environment(**{cache_var: cache})
            elapsed, output = timed([python, str(artifact)] + ARGS, env=env, cwd=OUT)
            assert output.startswith("Hello, Ada!"), output
            first.append(elapsed)
            # Two unmeasured runs settle whatever the first run deferred.
            for _ in range(2):
                timed([python, str(artifact)] + ARGS, env=env, cwd=OUT)
            for _ in range(3):
                warm.append(timed([python, str(artifact)] + ARGS, env=env, cwd=OUT)[0])
        results[tool] = (statistics.median(build_times), size, statistics.median(first), statistics.median(warm))

    venv = OUT / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-index", "--find-links",
                    str(wheels), "greet"], check=True)
    venv_warm = []
    for _ in range(2):
        timed([str(venv / "bin" / "greet")] + ARGS, env=environment())
    for _ in range(3 * args.runs):
        venv_warm.append(timed([str(venv / "bin" / "greet")] + ARGS, env=environment())[0])
    venv_median = statistics.median(venv_warm)

    g = results["gradient"]
    print(f"# greet (click, rich, markupsafe); median of {args.runs} runs; {os.cpu_count()} cores; "
          f"ratio = tool / gradient")
    print(f"{'tool':<15} {'build s':>8} {'ratio':>6} {'size B':>9} {'ratio':>6} {'first s':>8} {'ratio':>6} "
          f"{'warm s':>7} {'ratio':>6} {'vs venv':>8}")
    for tool, (build, size, first, warm) in results.items():
        print(f"{tool:<15} {build:>8.3f} {build / g[0]:>5.1f}x {size:>9} {size / g[1]:>5.2f}x {first:>8.3f} "
              f"{first / g[2]:>5.1f}x {warm:>7.3f} {warm / g[3]:>5.2f}x {warm / venv_median:>7.2f}x")
    print(f"{'venv':<15} {'':>8} {'':>6} {'':>9} {'':>6} {'':>8} {'':>6} {venv_median:>7.3f} "
          f"{venv_median / g[3]:>5.2f}x {1:>7.2f}x")


if __name__ == "__main__":
    main()
