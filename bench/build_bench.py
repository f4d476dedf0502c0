"""Benchmark: gradient build vs uv build (uv_build) vs python -m build (hatchling).

Builds sdist + wheel of the same two projects with each tool, side by side in
one run, and reports the median wall time of each and the ratio to gradient's.
Every tool builds the wheel from its sdist (their default, and ours).

    bench/run build [--runs N]

Projects:
  generated  thousands of small modules (a large generated code base)
  pip-sized  a copy of pip's own source tree (a real-world-sized package)
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

BACKENDS = {
    "gradient": "",
    "uv": '[build-system]\nrequires = ["uv_build"]\nbuild-backend = "uv_build"\n\n'
          '[tool.uv.build-backend]\nmodule-name = "{module}"\n\n',
    "hatchling": '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
                 '[tool.hatch.build.targets.wheel]\npackages = ["src/{module}"]\n\n',
}

PROJECT = """[project]
name = "{name}"
version = "1.0.0"
description = "Benchmark project"
readme = "README.md"
license = "MIT"
license-files = ["LICENSE"]
requires-python = ">=3.9"

[tool.gradient]
module-name = "{module}"
"""

MODULE = '''"""Module {i} of package {pkg}: generated for the build benchmark."""
from dataclasses import dataclass


@dataclass
class Record{i}:
    name: str
    value: int = {i}

    def describe(self) -> str:
        return f"{{self.name}}={{self.value}} ({pkg}.mod{i})"


def compute_{i}(values):
    total = 0
    for index, value in enumerate(values):
        if index % {m} == 0:
            total += value * {i}
        else:
            total -= value // ({m} + 1)
    return total
'''


def generate_tree(root: Path, packages: int, modules: int):
    src = root / "src" / "benchgen"
    for p in range(packages):
        pkg = src / f"sub{p:03d}"
        pkg.mkdir(parents=True)
        (pkg / "__init__.py").write_text(f'"""Subpackage {p}."""\n')
        for i in range(modules):
            (pkg / f"mod{i:03d}.py").write_text(MODULE.format(i=i, pkg=f"sub{p:03d}", m=(i % 7) + 2))
    (src / "__init__.py").write_text('"""Generated benchmark package."""\n__version__ = "1.0.0"\n')
    return "benchgen"


def copy_pip_tree(root: Path):
    import pip

    source = Path(pip.__file__).parent
    shutil.copytree(source, root / "src" / "pip", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return "pip"


def make_projects(kind: str):
    projects = {}
    for tool, build_system in BACKENDS.items():
        root = OUT / kind / tool
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        module = generate_tree(root, 30, 100) if kind == "generated" else copy_pip_tree(root)
        name = f"bench-{kind}"
        (root / "pyproject.toml").write_text(build_system.format(module=module) + PROJECT.format(name=name, module=module))
        (root / "README.md").write_text(f"# {name}\n\nA benchmark project.\n")
        (root / "LICENSE").write_text("MIT License\n\nCopyright (c) 2026\n")
        projects[tool] = root
    return projects


def commands(tool: str, project: Path, dist: Path, gradient: str, python: str):
    if tool == "gradient":
        return [gradient, "build", str(project), "--out", str(dist)]
    if tool == "uv":
        return [str(Path(python).parent / "uv"), "build", "--quiet", "--offline", "--no-build-isolation",
                "--python", python, "--out-dir", str(dist), str(project)]
    return [python, "-m", "build", "--no-isolation", "--outdir", str(dist), str(project)]


def time_once(cmd):
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{cmd[0]} failed:\n{proc.stderr}")
    return elapsed


def count_files(project: Path):
    return sum(1 for p in (project / "src").rglob("*") if p.is_file())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--gradient", required=True)
    args = parser.parse_args()
    python = sys.executable
    print(f"# sdist + wheel (wheel built from the sdist), median of {args.runs} runs, {os.cpu_count()} cores")
    print(f"{'project':<12} {'files':>6} {'tool':<10} {'median s':>9} {'ratio':>7}  artifacts (bytes)")
    for kind in ("generated", "pip-sized"):
        projects = make_projects(kind)
        results = {}
        for tool, project in projects.items():
            dist = OUT / kind / f"dist-{tool}"
            times = []
            for _ in range(args.runs):
                shutil.rmtree(dist, ignore_errors=True)
                times.append(time_once(commands(tool, project, dist, args.gradient, python)))
            sizes = sorted((p.name.rsplit(".", 1)[-1], p.stat().st_size) for p in dist.iterdir())
            results[tool] = (statistics.median(times), sizes)
        base = results["gradient"][0]
        for tool, (median, sizes) in results.items():
            sizes_text = ", ".join(f"{ext} {size}" for ext, size in sizes)
            print(f"{kind:<12} {count_files(projects[tool]):>6} {tool:<10} {median:>9.3f} {median / base:>6.1f}x  {sizes_text}")


if __name__ == "__main__":
    main()
