"""Benchmark: gradient's frozen executable vs PyInstaller --onefile and
--onedir, on the same application, side by side in one run; and warm
start-up against the same application in a plain venv.

The application is tests/fixtures/app (greet: click, rich, markupsafe).
PyInstaller analyses an environment where greet and its wheels are installed
(a venv made here, untimed); gradient builds from the project and the same
wheelhouse, with the static launcher stub `gradient` ships.

Reported (median of --runs; ratio = tool / gradient): build time, file size
(onedir: the directory), first run (empty cache), warm start.

    bench/run exe [--runs N]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import environment, real_python, timed

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out" / "exe"
ARGS = ["Ada", "--html", "<b>"]
PYINSTALLER = "pyinstaller==6.22.3"


def size(path):
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--gradient", required=True)
    parser.add_argument("--wheelhouse", required=True)
    args = parser.parse_args()
    python = real_python()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    app = OUT / "app"
    shutil.copytree(ROOT / "tests" / "fixtures" / "app", app)

    # A venv with the application installed: PyInstaller's input, and the bar.
    venv = OUT / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    wheels = OUT / "wheels"
    shutil.copytree(args.wheelhouse, wheels)
    subprocess.run([args.gradient, "build", str(app), "--format", "wheel", "--out", str(wheels)],
                   check=True, stdout=subprocess.DEVNULL)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run(pip + [PYINSTALLER], check=True)
    subprocess.run(pip + ["--no-index", "--find-links", str(wheels), "greet"], check=True)
    entry = OUT / "entry.py"
    entry.write_text("from greet.cli import main\nmain()\n")

    def build_gradient(out):
        return [args.gradient, "build", str(app), "--format", "exe", "--python", python,
                "--wheelhouse", args.wheelhouse, "--out", str(out)], {}, out / "greet"

    def pyinstaller(mode):
        def build(out):
            cmd = [str(venv / "bin" / "pyinstaller"), "--noconfirm", "--log-level", "WARN", mode, "-n", "greet",
                   "--distpath", str(out / "dist"), "--workpath", str(out / "work"), "--specpath", str(out),
                   str(entry)]
            return cmd, {}, out / "dist" / "greet"
        return build

    tools = {"gradient": build_gradient, "pyinstaller-onefile": pyinstaller("--onefile"),
             "pyinstaller-onedir": pyinstaller("--onedir")}
    results = {}
    for tool, builder in tools.items():
        builds = []
        for _ in range(args.runs):
            out = Path(tempfile.mkdtemp(dir=OUT, prefix=f"{tool}-"))
            cmd, extra, artifact = builder(out)
            builds.append(timed(cmd, env=environment(**extra))[0])
        program = artifact / "greet" if artifact.is_dir() else artifact
        first, warm = [], []
        for _ in range(args.runs):
            cache = Path(tempfile.mkdtemp(dir=OUT, prefix=f"{tool}-cache-"))
            env = environment(GRADIENT_EXE_CACHE=cache, TMPDIR=cache)
            elapsed, output = timed([str(program)] + ARGS, env=env)
            assert output.startswith("Hello, Ada!"), output
            first.append(elapsed)
            for _ in range(2):
                timed([str(program)] + ARGS, env=env)
            warm.extend(timed([str(program)] + ARGS, env=env)[0] for _ in range(3))
        results[tool] = (statistics.median(builds), size(artifact), statistics.median(first), statistics.median(warm))

    for _ in range(2):
        timed([str(venv / "bin" / "greet")] + ARGS, env=environment())
    venv_warm = statistics.median(timed([str(venv / "bin" / "greet")] + ARGS, env=environment())[0]
                                  for _ in range(3 * args.runs))
    g = results["gradient"]
    print(f"# greet (click, rich, markupsafe); median of {args.runs} runs; {os.cpu_count()} cores; "
          f"ratio = tool / gradient")
    print(f"{'tool':<20} {'build s':>8} {'ratio':>6} {'size B':>10} {'ratio':>6} {'first s':>8} {'ratio':>6} "
          f"{'warm s':>7} {'ratio':>6} {'- venv ms':>9}")
    for tool, (build, sz, first, warm) in results.items():
        print(f"{tool:<20} {build:>8.3f} {build / g[0]:>5.1f}x {sz:>10} {sz / g[1]:>5.2f}x {first:>8.3f} "
              f"{first / g[2]:>5.1f}x {warm:>7.3f} {warm / g[3]:>5.2f}x {1000 * (warm - venv_warm):>+9.1f}")
    print(f"{'venv':<20} {'':>8} {'':>6} {'':>10} {'':>6} {'':>8} {'':>6} {venv_warm:>7.3f}")


if __name__ == "__main__":
    main()
