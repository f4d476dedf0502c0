"""Judge built artifacts with the tools the Python packaging ecosystem trusts.

Called by the end-to-end tests with the oracle venv's interpreter. Prints one
JSON object: for each check, {"ok": bool, "detail": str}. The Rust tests assert
on every check; this script never decides pass/fail on its own.

    judge.py wheel WHEEL --import MOD [--script NAME ARGS...]
    judge.py sdist SDIST
"""
import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile


def run(cmd, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    return proc.returncode, (proc.stdout + proc.stderr).strip()


def check_metadata(text):
    """packaging's core metadata parser, with validation."""
    from packaging.metadata import Metadata

    try:
        meta = Metadata.from_email(text, validate=True)
    except Exception as exc:  # ExceptionGroup of every problem
        problems = getattr(exc, "exceptions", [exc])
        return {"ok": False, "detail": "; ".join(str(p) for p in problems)}
    return {"ok": True, "detail": f"{meta.name} {meta.version} metadata {meta.metadata_version}"}


def tool(name):
    return os.path.join(os.path.dirname(sys.executable), name)


def judge_wheel(args, out):
    with zipfile.ZipFile(args.artifact) as zf:
        bad = zf.testzip()
        out["zipfile"] = {"ok": bad is None, "detail": bad or "all CRCs good"}
        dist_info = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        out["metadata"] = check_metadata(zf.read(dist_info[0]).decode()) if dist_info else {
            "ok": False, "detail": "no .dist-info/METADATA"}
    code, text = run([tool("twine"), "check", "--strict", args.artifact])
    out["twine"] = {"ok": code == 0, "detail": text}
    code, text = run([tool("check-wheel-contents"), args.artifact])
    out["check_wheel_contents"] = {"ok": code == 0, "detail": text}

    with tempfile.TemporaryDirectory() as tmp:
        # pip: install, import, run the console script.
        target = os.path.join(tmp, "pip")
        code, text = run([sys.executable, "-m", "pip", "install", "--no-index", "--no-deps",
                          "--disable-pip-version-check", "--target", target, args.artifact])
        out["pip_install"] = {"ok": code == 0, "detail": text[-2000:]}
        env = dict(os.environ, PYTHONPATH=target)
        if args.import_name:
            code, text = run([sys.executable, "-c", f"import {args.import_name}"], env=env, cwd=tmp)
            out["pip_import"] = {"ok": code == 0, "detail": text}
        if args.script:
            script = os.path.join(target, "bin", args.script[0])
            proc = subprocess.run([script, *args.script[1:]], capture_output=True, text=True,
                                  env=env, cwd=tmp, input=args.stdin)
            out["pip_script"] = {"ok": True, "code": proc.returncode,
                                 "stdout": proc.stdout, "stderr": proc.stderr, "detail": ""}

        # installer: the reference implementation of wheel installation.
        from installer import install
        from installer.destinations import SchemeDictionaryDestination
        from installer.sources import WheelFile

        root = os.path.join(tmp, "installer")
        schemes = {s: os.path.join(root, s) for s in
                   ("purelib", "platlib", "headers", "scripts", "data")}
        try:
            with WheelFile.open(args.artifact) as source:
                install(source, SchemeDictionaryDestination(
                    schemes, interpreter=sys.executable, script_kind="posix"),
                    {"INSTALLER": b"gradient-tests"})
            installed = sorted(os.path.relpath(os.path.join(d, f), root)
                               for d, _, fs in os.walk(root) for f in fs)
            out["installer"] = {"ok": True, "detail": "", "files": installed}
        except Exception as exc:
            out["installer"] = {"ok": False, "detail": repr(exc)}
        if args.import_name and out["installer"]["ok"]:
            # Root-Is-Purelib: false (compiled code) installs into platlib.
            env = dict(os.environ, PYTHONPATH=os.pathsep.join(
                [schemes["purelib"], schemes["platlib"]]))
            code, text = run([sys.executable, "-c", f"import {args.import_name}"], env=env, cwd=tmp)
            out["installer_import"] = {"ok": code == 0, "detail": text}


def judge_sdist(args, out):
    with tarfile.open(args.artifact, "r:gz") as tf:
        names = tf.getnames()
        tops = {n.split("/", 1)[0] for n in names}
        out["tarfile"] = {"ok": len(tops) == 1, "detail": f"top-level: {sorted(tops)}",
                          "names": names}
        top = next(iter(tops))
        try:
            pkg_info = tf.extractfile(f"{top}/PKG-INFO").read().decode()
            out["metadata"] = check_metadata(pkg_info)
        except KeyError:
            out["metadata"] = {"ok": False, "detail": "no PKG-INFO"}
    code, text = run([tool("twine"), "check", "--strict", args.artifact])
    out["twine"] = {"ok": code == 0, "detail": text}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["wheel", "sdist"])
    parser.add_argument("artifact")
    parser.add_argument("--import", dest="import_name")
    parser.add_argument("--stdin", default="")
    parser.add_argument("--script", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    out = {}
    (judge_wheel if args.kind == "wheel" else judge_sdist)(args, out)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
