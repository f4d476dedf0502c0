"""A tiny in-tree PEP 517 backend for the frontend's tests.

Behaviour is chosen by the files of the source tree: CRASH (build_wheel
raises with the file's text), NO_SDIST (build_sdist raises
UnsupportedOperation), EXTRA (get_requires_for_build_wheel returns its lines),
DUP (the sdist holds PKG-INFO twice), BAD_RECORD (a wrong RECORD hash),
SLOW (build_wheel starts a long child, writes its pid to the path the file
names, and waits: a compiler that must be stopped with the build).
"""

import base64
import hashlib
import io
import os
import sys
import tarfile
import zipfile

NAME, VERSION = "fixture", "1.0"


class UnsupportedOperation(Exception):
    pass


def _metadata():
    return "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (NAME, VERSION)


def get_requires_for_build_wheel(config_settings=None):
    print("config_settings:", sorted((config_settings or {}).items()))
    sys.stdout.buffer.write(b"latin-1 output: caf\xe9\n")
    sys.stdout.flush()
    if os.path.exists("EXTRA"):
        return open("EXTRA").read().split()
    return []


def build_sdist(sdist_directory, config_settings=None):
    if os.path.exists("NO_SDIST"):
        raise UnsupportedOperation("this tree cannot make an sdist")
    base = "%s-%s" % (NAME, VERSION)
    path = os.path.join(sdist_directory, base + ".tar.gz")
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(os.listdir(".")):
            if name not in ("dist",):
                tar.add(name, arcname=base + "/" + name)
        data = ("%s" % _metadata()).encode()
        for _ in range(2 if os.path.exists("DUP") else 1):
            info = tarfile.TarInfo(base + "/PKG-INFO")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return base + ".tar.gz"


def _row(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "%s,sha256=%s,%d" % (name, digest.decode(), len(data))


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    if os.path.exists("SLOW"):
        import subprocess
        import time
        child = subprocess.Popen(["sleep", "300"])
        with open(open("SLOW").read().strip(), "w") as f:
            f.write(str(child.pid))
        print("fixture backend: compiling slowly", flush=True)
        time.sleep(300)
    if os.path.exists("CRASH"):
        print("fixture backend: about to fail", flush=True)
        raise RuntimeError(open("CRASH").read().strip())
    from_sdist = os.path.exists("PKG-INFO")
    files = {
        "fixture/__init__.py": b"FROM_SDIST = %r\n" % from_sdist,
        "fixture-1.0.dist-info/METADATA": _metadata().encode(),
        "fixture-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: fixture\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = [_row(n, d) for n, d in files.items()] + ["fixture-1.0.dist-info/RECORD,,"]
    if os.path.exists("BAD_RECORD"):
        record[0] = "fixture/__init__.py,sha256=AAAA,1"
    name = "fixture-1.0-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as zf:
        for n, d in files.items():
            zf.writestr(n, d)
        zf.writestr("fixture-1.0.dist-info/RECORD", "\n".join(record) + "\n")
    return name
