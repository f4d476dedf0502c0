"""Make deliberately broken and hostile artifacts for the inspector's tests.

Run with the oracle venv's interpreter. Each variant is written next to the
others in OUT; the Rust tests assert the findings the inspector reports.

    forge.py wheel GOOD_WHEEL OUT     broken variants of a good wheel
    forge.py sdist OUT                a hostile sdist
    forge.py zipapp OUT               a zipapp with a shebang and a vendored dist
    forge.py cext OUT [--tag PLAT]    a wheel with a C extension built by gcc
"""
import base64
import hashlib
import io
import os
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import zipfile
import zipapp


def read_wheel(path):
    with zipfile.ZipFile(path) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def write_zip(path, entries, infos=()):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(name, data)
        for info, data in infos:
            zf.writestr(info, data)


def record_hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def wheel_variants(good, out):
    entries = read_wheel(good)
    name = os.path.basename(good)
    record = next(n for n, _ in entries if n.endswith(".dist-info/RECORD"))
    dist_info = record.rsplit("/", 1)[0]
    module = next(n for n, _ in entries if n.endswith(".py"))

    def variant(kind, new_entries, infos=()):
        os.makedirs(os.path.join(out, kind), exist_ok=True)
        write_zip(os.path.join(out, kind, name), new_entries, infos)

    # RECORD lists a wrong hash and a wrong size for the module.
    tampered = []
    for n, data in entries:
        if n == record:
            lines = []
            for line in data.decode().splitlines():
                if line.startswith(module + ","):
                    line = f"{module},{record_hash(b'something else')},999"
                lines.append(line)
            data = ("\n".join(lines) + "\n").encode()
        tampered.append((n, data))
    variant("tampered-record", tampered)
    # A file RECORD lists is missing; a file RECORD does not list is present.
    variant("missing-file", [(n, d) for n, d in entries if n != module])
    variant("extra-file", entries + [("planted.py", b"print('hi')\n")])
    # METADATA with an invalid version and requirement.
    bad_meta = []
    for n, data in entries:
        if n == f"{dist_info}/METADATA":
            text = data.decode()
            text = text.replace("\nVersion: ", "\nVersion: not.a.version\nX-Old-Version: ", 1)
            text = text.replace("\nSummary:", "\nRequires-Dist: pkg >= = 1\nSummary:", 1)
            data = text.encode()
        bad_meta.append((n, data))
    variant("bad-metadata", bad_meta)
    # Names that escape the extraction directory, and a duplicate name.
    variant("traversal", entries + [("../../evil.py", b"x"), ("/etc/evil.py", b"x")])
    dup = zipfile.ZipInfo(module)
    variant("duplicate", entries, [(dup, b"shadow\n")])
    # A symbolic link pointing out of the tree.
    link = zipfile.ZipInfo("link.py")
    link.create_system = 3
    link.external_attr = (0o120777 << 16)
    variant("symlink", entries, [(link, b"/etc/passwd")])
    # One entry that inflates to 256 MiB of zeros.
    os.makedirs(os.path.join(out, "bomb"), exist_ok=True)
    with zipfile.ZipFile(os.path.join(out, "bomb", name), "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for n, data in entries:
            zf.writestr(n, data)
        with zf.open("zeros.bin", "w", force_zip64=True) as f:
            chunk = bytes(1 << 20)
            for _ in range(256):
                f.write(chunk)
    # Bytecode for two different Pythons (the running one and a 3.12 magic).
    import importlib.util
    header = importlib.util.MAGIC_NUMBER + bytes(12)
    other = (3531).to_bytes(2, "little") + b"\r\n" + bytes(12)
    variant("bytecode", entries + [
        ("gradient_example/__pycache__/a.cpython-3x.pyc", header + b"code"),
        ("gradient_example/__pycache__/b.cpython-312.pyc", other + b"code"),
    ])
    # The first half of the file.
    os.makedirs(os.path.join(out, "truncated"), exist_ok=True)
    data = open(good, "rb").read()
    open(os.path.join(out, "truncated", name), "wb").write(data[: len(data) // 2])


def hostile_sdist(out):
    path = os.path.join(out, "Bad.Name-1.0.tar.gz")
    with tarfile.open(path, "w:gz") as tf:
        def add(name, data=b"", **kw):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            for k, v in kw.items():
                setattr(info, k, v)
            tf.addfile(info, io.BytesIO(data))
        add("Bad.Name-1.0/setup.py", b"print('hi')\n")
        add("other/README", b"x")
        add("Bad.Name-1.0/../../escape.txt", b"x")
        add("Bad.Name-1.0/link", type=tarfile.SYMTYPE, linkname="/etc/passwd")
        add("Bad.Name-1.0/hard", type=tarfile.LNKTYPE, linkname="/etc/shadow")
    print(path)


def make_zipapp(out):
    with tempfile.TemporaryDirectory() as src:
        os.makedirs(os.path.join(src, "vendored_dep-2.3.dist-info"))
        with open(os.path.join(src, "vendored_dep-2.3.dist-info", "METADATA"), "w") as f:
            f.write("Metadata-Version: 2.1\nName: vendored-dep\nVersion: 2.3\n")
        with open(os.path.join(src, "vendored_dep.py"), "w") as f:
            f.write("VALUE = 42\n")
        with open(os.path.join(src, "__main__.py"), "w") as f:
            f.write("import vendored_dep\nprint(vendored_dep.VALUE)\n")
        target = os.path.join(out, "app.pyz")
        zipapp.create_archive(src, target, interpreter="/usr/bin/env python3")
    print(target)


C_SOURCE = r"""
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <unistd.h>

/* getentropy needs GLIBC_2.25, which places the wheel at manylinux_2_26. */
static PyObject *entropy(PyObject *self, PyObject *args) {
    unsigned char buf[8];
    if (getentropy(buf, sizeof buf) != 0) return PyErr_SetFromErrno(PyExc_OSError);
    return PyLong_FromLong(sizeof buf);
}
static PyMethodDef methods[] = {{"entropy", entropy, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_native", NULL, -1, methods};
PyMODINIT_FUNC PyInit__native(void) { return PyModule_Create(&module); }
"""


def cext_wheel(out, platform):
    py = f"cp{sys.version_info.major}{sys.version_info.minor}"
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "native.c")
        so = os.path.join(tmp, "_native" + suffix)
        open(src, "w").write(C_SOURCE)
        subprocess.run(
            ["gcc", "-shared", "-fPIC", "-O2", "-I", sysconfig.get_paths()["include"], src, "-o", so],
            check=True,
        )
        binary = open(so, "rb").read()
    dist = "cext_demo-1.0"
    tag = f"{py}-{py}-{platform}"
    files = {
        "cext_demo/__init__.py": b"from ._native import entropy\n",
        f"cext_demo/_native{suffix}": binary,
        f"{dist}.dist-info/METADATA": b"Metadata-Version: 2.1\nName: cext-demo\nVersion: 1.0\n",
        f"{dist}.dist-info/WHEEL": f"Wheel-Version: 1.0\nGenerator: forge\nRoot-Is-Purelib: false\nTag: {tag}\n".encode(),
    }
    rows = [f"{n},{record_hash(d)},{len(d)}" for n, d in files.items()]
    rows.append(f"{dist}.dist-info/RECORD,,")
    files[f"{dist}.dist-info/RECORD"] = ("\n".join(rows) + "\n").encode()
    path = os.path.join(out, f"{dist}-{tag}.whl")
    write_zip(path, files.items())
    print(path)


def main():
    cmd, *rest = sys.argv[1:]
    if cmd == "wheel":
        wheel_variants(rest[0], rest[1])
    elif cmd == "sdist":
        hostile_sdist(rest[0])
    elif cmd == "zipapp":
        make_zipapp(rest[0])
    elif cmd == "cext":
        platform = rest[2] if len(rest) > 2 and rest[1] == "--tag" else "linux_x86_64"
        cext_wheel(rest[0], platform)
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
