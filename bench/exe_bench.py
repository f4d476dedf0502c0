"""Benchmark: gradient's frozen executable vs PyInstaller --onefile and
--onedir, on the same application, side by side in one run; and warm
start-up against the same application in a plain venv.

The application is tests/fixtures/app (greet: click, rich, markupsafe).
PyInstaller analyses an environment where greet and its wheels are installed
(a venv made here, untimed); gradient builds from the project and the same
wheelhouse, with the static launcher stub `gradient` ships.

Reported (median of --runs; ratio = tool / gradient): build time, file size
(onedir: the directory), first run (empty cache), warm start.

With --app NAME==VERSION the application is that published one instead
(from PyPI; its console script NAME is run with --version), e.g. the
mid-size cookiecutter==2.6.0 (3,100 files, 65 MB unpacked).

    bench/run exe [--runs N] [--app NAME==VERSION]
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
    parser.add_argument("--app", help="a published application NAME==VERSION instead of the fixture")
    args = parser.parse_args()
    python = real_python()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    # A venv with the application installed: PyInstaller's input, and the bar.
    venv = OUT / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run(pip + [PYINSTALLER], check=True)
    app = published(args, pip, venv) if args.app else fixture(args, pip, python)
    name, run_args, expect, gradient_cmd, entry, collect = app

    def build_gradient(out):
        return gradient_cmd + ["--out", str(out)], {}, out / name

    def pyinstaller(mode):
        def build(out):
            cmd = [str(venv / "bin" / "pyinstaller"), "--noconfirm", "--log-level", "WARN", mode, "-n", name,
                   "--distpath", str(out / "dist"), "--workpath", str(out / "work"), "--specpath", str(out),
                   *collect, str(entry)]
            return cmd, {}, out / "dist" / name
        return build

    tools = {"gradient": build_gradient, "pyinstaller-onefile": pyinstaller("--onefile"),
             "pyinstaller-onedir": pyinstaller("--onedir")}
    results, failed = {}, {}
    for tool, builder in tools.items():
        builds = []
        for _ in range(args.runs):
            out = Path(tempfile.mkdtemp(dir=OUT, prefix=f"{tool}-"))
            cmd, extra, artifact = builder(out)
            builds.append(timed(cmd, env=environment(**extra))[0])
        program = artifact / name if artifact.is_dir() else artifact
        probe = subprocess.run([str(program)] + run_args, capture_output=True, text=True,
                               env=environment(TMPDIR=tempfile.mkdtemp(dir=OUT)))
        if probe.returncode != 0:
            # The exception, above PyInstaller's "Failed to execute script".
            lines = probe.stderr.strip().splitlines() or ["no output"]
            failed[tool] = lines[-2] if len(lines) > 1 else lines[-1]
            continue
        first, warm = [], []
        for _ in range(args.runs):
            cache = Path(tempfile.mkdtemp(dir=OUT, prefix=f"{tool}-cache-"))
            env = environment(GRADIENT_EXE_CACHE=cache, TMPDIR=cache)
            elapsed, output = timed([str(program)] + run_args, env=env)
            assert output.startswith(expect), output
            first.append(elapsed)
            for _ in range(2):
                timed([str(program)] + run_args, env=env)
            warm.extend(timed([str(program)] + run_args, env=env)[0] for _ in range(3))
        results[tool] = (statistics.median(builds), size(artifact), statistics.median(first), statistics.median(warm))

    script = [str(venv / "bin" / name)] + run_args
    for _ in range(2):
        timed(script, env=environment())
    venv_warm = statistics.median(timed(script, env=environment())[0] for _ in range(3 * args.runs))
    g = results["gradient"]
    shown = args.app or "greet (click, rich, markupsafe)"
    print(f"# {shown}; median of {args.runs} runs; {os.cpu_count()} cores; ratio = tool / gradient")
    print(f"{'tool':<20} {'build s':>8} {'ratio':>6} {'size B':>10} {'ratio':>6} {'first s':>8} {'ratio':>6} "
          f"{'warm s':>7} {'ratio':>6} {'- venv ms':>9}")
    for tool, (build, sz, first, warm) in results.items():
        print(f"{tool:<20} {build:>8.3f} {build / g[0]:>5.1f}x {sz:>10} {sz / g[1]:>5.2f}x {first:>8.3f} "
              f"{first / g[2]:>5.1f}x {warm:>7.3f} {warm / g[3]:>5.2f}x {1000 * (warm - venv_warm):>+9.1f}")
    for tool, why in failed.items():
        print(f"{tool:<20} built, but does not start: {why}")
    print(f"{'venv':<20} {'':>8} {'':>6} {'':>10} {'':>6} {'':>8} {'':>6} {venv_warm:>7.3f}")


def fixture(args, pip, python):
    """greet, built from the fixture project and the test wheelhouse."""
    app, wheels = stage_fixture(OUT, ROOT, args.gradient, args.wheelhouse)
    subprocess.run(pip + ["--no-index", "--find-links", str(wheels), "greet"], check=True)
    entry = OUT / "entry.py"
    entry.write_text("from greet.cli import main\nmain()\n")
    gradient = [args.gradient, "build", str(app), "--format", "exe", "--python", python,
                "--wheelhouse", args.wheelhouse]
    return "greet", ARGS, "Hello, Ada!", gradient, entry, []


def published(args, pip, venv):
    """A published application from PyPI, run as `NAME --version`."""
    name = args.app.split("==")[0]
    subprocess.run(pip + [args.app], check=True)
    found = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "import importlib.metadata as m, sys; "
         "print(m.entry_points(group='console_scripts', name=sys.argv[1])[0].value)", name],
        check=True, capture_output=True, text=True).stdout.strip()
    module, _, function = found.partition(":")
    entry = OUT / "entry.py"
    entry.write_text(f"from {module} import {function}\n{function}()\n")
    gradient = [args.gradient, "build", args.app, "--format", "exe", "--python",
                str(real_python())]
    # PyInstaller's analysis misses package data read at import time
    # (cookiecutter's VERSION.txt, binaryornot's data): its users add
    # --collect-all, here for every package the application installed.
    site = subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          check=True, capture_output=True, text=True).stdout.strip()
    tool = {"pip", "setuptools", "PyInstaller", "_pyinstaller_hooks_contrib", "altgraph", "pkg_resources",
            "_distutils_hack", "packaging"}
    collect = [arg for pkg in sorted(os.listdir(site)) if (Path(site) / pkg / "__init__.py").exists()
               and pkg not in tool for arg in ("--collect-all", pkg)]
    return name, ["--version"], name.capitalize(), gradient, entry, collect


if __name__ == "__main__":
    main()
