"""How often `gradient inspect` agrees with `auditwheel show` on real wheels.

    python auditwheel_agreement.py --gradient PATH [--cache DIR] [--json]

Downloads (once, into DIR, default ~/.cache/gradient-studio/auditwheel-wheels)
the current CPython 3.11 manylinux x86_64 wheel of each project below with
this interpreter's pip, then compares, per wheel, the overall tag, the tag the
symbol versions alone allow, and every versioned symbol requirement. Prints
one line per wheel and the agreement rate. Not a test: a measurement (it needs
the network the first time, and PyPI's current releases).
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys

PROJECTS = """
    aiohttp bcrypt bitarray brotli cffi charset-normalizer coverage cryptography
    frozenlist greenlet httptools jiter kiwisolver lxml lz4 markupsafe mmh3
    msgpack multidict orjson pillow propcache psutil pycryptodome pydantic-core
    pynacl pyyaml regex rpds-py setproctitle simplejson ujson uvloop websockets
    wrapt xxhash yarl zstandard ruamel-yaml-clib time-machine
""".split()


def download(cache: pathlib.Path) -> list:
    cache.mkdir(parents=True, exist_ok=True)
    have = {p.name.split("-")[0].lower().replace("_", "-").replace(".", "-") for p in cache.glob("*.whl")}
    missing = [p for p in PROJECTS if p.replace("_", "-") not in have]
    for project in missing:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary", ":all:", "--python-version", "3.11",
             "--platform", "manylinux_2_28_x86_64", "--platform", "manylinux_2_17_x86_64",
             "--platform", "manylinux2014_x86_64", "--platform", "manylinux_2_5_x86_64",
             "--platform", "manylinux1_x86_64", "--dest", str(cache), project],
            check=False,
        )
    return sorted(cache.glob("*.whl"))


def ours(gradient: str, wheel: pathlib.Path) -> dict:
    out = subprocess.run([gradient, "inspect", "--json", str(wheel)], capture_output=True, text=True)
    report = json.loads(out.stdout)
    verdict = report.get("verdict") or {}
    return {
        "exit": out.returncode,
        "tag": verdict.get("tag"),
        "sym_tag": verdict.get("symbol_tag"),
        "versioned_symbols": verdict.get("versioned_symbols"),
        "errors": [f"{f['code']} {f.get('path', '')}: {f['message']}"
                   for f in report["findings"] if f["severity"] == "error"],
    }


def theirs(wheel: pathlib.Path) -> dict:
    tool = pathlib.Path(sys.executable).with_name("auditwheel")
    out = subprocess.run([str(tool), "show", "--json", str(wheel)], capture_output=True, text=True)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1:]}
    shown = json.loads(out.stdout)
    return {
        "tag": shown["overall_tag"],
        "sym_tag": shown["sym_tag"],
        "versioned_symbols": {k: sorted(v) for k, v in shown["versioned_symbols"].items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gradient", required=True)
    default = pathlib.Path.home() / ".cache/gradient-studio/auditwheel-wheels"
    parser.add_argument("--cache", type=pathlib.Path, default=default)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = []
    for wheel in download(args.cache):
        a, b = ours(args.gradient, wheel), theirs(wheel)
        if "error" in b:
            rows.append({"wheel": wheel.name, "judged": False, "why": b["error"]})
            continue
        fields = ["tag", "sym_tag", "versioned_symbols"]
        differ = [f for f in fields if a[f] != b[f]]
        rows.append({"wheel": wheel.name, "judged": True, "agree": not differ,
                     "verifies": a["exit"] == 0, "differ": {f: [a[f], b[f]] for f in differ},
                     "errors": a["errors"]})
    judged = [r for r in rows if r["judged"]]
    agree = sum(r["agree"] for r in judged)
    verifies = sum(r["verifies"] for r in judged)
    if args.json:
        print(json.dumps({"rows": rows, "agree": agree, "judged": len(judged)}, indent=1))
        return
    for r in rows:
        if not r["judged"]:
            print(f"skipped  {r['wheel']}: auditwheel: {r['why']}")
            continue
        state = "agree   " if r["agree"] else "DIFFER  "
        print(f"{state} {'verifies' if r['verifies'] else 'FAILS   '}  {r['wheel']}")
        for field, (a, b) in r["differ"].items():
            print(f"    {field}: gradient {a} / auditwheel {b}")
        for e in r["errors"]:
            print(f"    error: {e}")
    print(f"\n{agree} of {len(judged)} verdicts agree with auditwheel "
          f"({100 * agree / max(len(judged), 1):.1f}%); {verifies} of {len(judged)} verify")


if __name__ == "__main__":
    main()
