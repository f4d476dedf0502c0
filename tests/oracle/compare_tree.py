"""Compare the files a zipapp carries with a directory pip installed the
same wheels into (`pip install --target`): paths and bytes.

Usage: compare_tree.py ARCHIVE DIRECTORY  -> JSON on stdout:
{"only_in_archive": [...], "only_in_pip": [...], "different": [...], "compared": N}

Left out on both sides, because installers legitimately differ there:
bytecode, the zipapp's own __main__.py, scripts (bin/), and the
installer-specific files of each .dist-info (RECORD, INSTALLER, REQUESTED,
direct_url.json).
"""
import json
import os
import sys
import zipfile

SKIP_INFO = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


def skipped(path):
    parts = path.split("/")
    if path.endswith(".pyc") or "__pycache__" in parts or path == "__main__.py":
        return True
    if parts[0] == "bin":
        return True
    return len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] in SKIP_INFO


archive, directory = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(archive) as zf:
    mine = {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir() and not skipped(i.filename)}
theirs = {}
for base, dirs, files in os.walk(directory):
    for name in files:
        full = os.path.join(base, name)
        rel = os.path.relpath(full, directory).replace(os.sep, "/")
        if not skipped(rel):
            with open(full, "rb") as f:
                theirs[rel] = f.read()
common = sorted(set(mine) & set(theirs))
json.dump(
    {
        "only_in_archive": sorted(set(mine) - set(theirs)),
        "only_in_pip": sorted(set(theirs) - set(mine)),
        "different": [p for p in common if mine[p] != theirs[p]],
        "compared": len(common),
    },
    sys.stdout,
)
