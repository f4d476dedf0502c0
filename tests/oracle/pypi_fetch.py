"""Fetch a release's sdist and its pure-Python wheel from PyPI into a cache.

    pypi_fetch.py CACHE_DIR NAME VERSION [--sdist-only]

Prints {"sdist": path, "wheel": path} ({"sdist": path} with --sdist-only:
projects with compiled code publish no pure wheel). Files are found through the simple
repository API (PEP 691 JSON), verified against the sha256 it gives, and downloaded only once per cache directory.
"""
import hashlib
import json
import os
import sys
import urllib.request


def fetch(cache, url, filename, sha256):
    path = os.path.join(cache, filename)
    if os.path.exists(path):
        with open(path, "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() == sha256:
                return path
    with urllib.request.urlopen(url, timeout=60) as r:
        data = r.read()
    if hashlib.sha256(data).hexdigest() != sha256:
        sys.exit("%s: sha256 mismatch" % url)
    tmp = path + ".part.%d" % os.getpid()
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return path


def main():
    cache, name, version = sys.argv[1:4]
    wanted = {"sdist"} if "--sdist-only" in sys.argv[4:] else {"sdist", "wheel"}
    os.makedirs(cache, exist_ok=True)
    request = urllib.request.Request(
        "https://pypi.org/simple/%s/" % name,
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
    )
    with urllib.request.urlopen(request, timeout=60) as r:
        files = json.load(r)["files"]
    stem = "%s-%s" % (name.replace("-", "_"), version)
    out = {}
    for f in files:
        fn = f["filename"]
        lower = fn.lower()
        if lower in ((stem + ".tar.gz").lower(), ("%s-%s.tar.gz" % (name, version)).lower()):
            kind = "sdist"
        elif lower.startswith(stem.lower() + "-") and fn.endswith("-none-any.whl"):
            kind = "wheel"
        else:
            continue
        if kind in wanted and kind not in out:
            out[kind] = fetch(cache, f["url"], fn, f["hashes"]["sha256"])
    if set(out) != wanted:
        sys.exit("%s %s: PyPI has %s, not %s" % (name, version, sorted(out), " and ".join(sorted(wanted))))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
