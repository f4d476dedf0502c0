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
