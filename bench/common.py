"""Helpers shared by the application benchmarks."""
import os
import subprocess
import sys
import time


def timed(cmd, env=None, cwd=None):
    """Run `cmd`, exit with its stderr on failure; (seconds, stdout)."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return elapsed, proc.stdout


def environment(**extra):
    """This environment with bytecode writing allowed (python-startup.md)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def real_python():
    """The interpreter behind python3, not a version manager's shim
    (python-startup.md)."""
    return subprocess.check_output(["python3", "-c", "import sys; print(sys.executable)"], text=True).strip()


def stage_fixture(out, root, gradient, wheelhouse):
    """tests/fixtures/app copied into `out`, and a wheelhouse beside it that
    also holds the application's own wheel: (project, wheels)."""
    import shutil
    app = out / "app"
    shutil.copytree(root / "tests" / "fixtures" / "app", app)
    wheels = out / "wheels"
    shutil.copytree(wheelhouse, wheels)
    subprocess.run([gradient, "build", str(app), "--format", "wheel", "--out", str(wheels)],
                   check=True, stdout=subprocess.DEVNULL)
    return app, wheels
