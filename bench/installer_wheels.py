"""Wheels for measuring the application installer by hand: many small
modules, one huge member of zeros, a member whose headers declare 1 byte,
overlapping entries (the non-recursive zip bomb). Time and peak memory:

    python3 bench/installer_wheels.py many many-1.0-py3-none-any.whl 100000
    cargo build -p gradient-engine --example install_wheel
    /usr/bin/time -v target/debug/examples/install_wheel many-1.0-py3-none-any.whl

Kinds and their argument: many N (modules), huge GIB, liar MIB (what the
1-byte member really inflates to), overlap N (entries sharing one 1 MiB
member's data).
"""
import base64, hashlib, os, struct, sys, zipfile, zlib

def rec_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()

def meta(name):
    info = f"{name}-1.0.dist-info"
    return info, [(f"{info}/WHEEL", b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
                  (f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n".encode())]

def many(out, n):
    name = "many"
    info, files = meta(name)
    files = [(f"many/m{i // 1000}/mod{i}.py", f"X = {i}\n".encode()) for i in range(n)] + \
        [(f"many/m{j}/__init__.py", b"") for j in range((n + 999) // 1000)] + [("many/__init__.py", b"")] + files
    rows = [f"{p},{rec_hash(b)},{len(b)}" for p, b in files] + [f"{info}/RECORD,,"]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for p, b in files:
            z.writestr(p, b)
        z.writestr(f"{info}/RECORD", "\n".join(rows) + "\n")

def huge(out, gib):
    """A member of GIB GiB of zeros, deflated and written in chunks (the wheel
    stays small; nothing is held whole)."""
    name = "huge"
    info, files = meta(name)
    size = int(gib * (1 << 30))
    chunk = bytes(1 << 20)
    h = hashlib.sha256()
    for n in chunks(size, len(chunk)):
        h.update(chunk[:n])
    digest = "sha256=" + base64.urlsafe_b64encode(h.digest()).rstrip(b"=").decode()
    rows = [f"huge/__init__.py,{rec_hash(b'')},0", f"huge/zeros.bin,{digest},{size}"] + \
        [f"{p},{rec_hash(b)},{len(b)}" for p, b in files] + [f"{info}/RECORD,,"]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as z:
        z.writestr("huge/__init__.py", b"")
        zi = zipfile.ZipInfo("huge/zeros.bin")
        zi.compress_type = zipfile.ZIP_DEFLATED
        with z.open(zi, "w", force_zip64=True) as f:
            for n in chunks(size, len(chunk)):
                f.write(chunk[:n])
        for p, b in files:
            z.writestr(p, b)
        z.writestr(f"{info}/RECORD", "\n".join(rows) + "\n")


def chunks(size, step):
    while size:
        n = min(size, step)
        yield n
        size -= n


def liar(out, mib):
    """A member whose headers declare 1 byte but which inflates to MIB MiB."""
    name = "liar"
    info, files = meta(name)
    data = bytes(mib << 20)
    rows = [f"liar/big.bin,{rec_hash(b'x')},1"] + [f"{p},{rec_hash(b)},{len(b)}" for p, b in files] + [f"{info}/RECORD,,"]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("liar/big.bin", data)
        for p, b in files:
            z.writestr(p, b)
        z.writestr(f"{info}/RECORD", "\n".join(rows) + "\n")
    raw = bytearray(open(out, "rb").read())
    # Patch uncompressed size (1) in local header (offset 22) and central header (offset 24).
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        i = raw.find(sig)
        while i >= 0:
            name_off = 30 if sig == b"PK\x03\x04" else 46
            if raw[i + name_off:i + name_off + 12] == b"liar/big.bin":
                raw[i + off:i + off + 4] = struct.pack("<I", 1)
            i = raw.find(sig, i + 4)
    open(out, "wb").write(raw)

def overlap(out, copies):
    """Entries that all point at one local header (the non-recursive zip bomb)."""
    name = "overlap"
    info, files = meta(name)
    data = bytes(1 << 20)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15); c = comp.compress(data) + comp.flush()
    crc = zlib.crc32(data)
    names = [f"overlap/f{i}.bin" for i in range(copies)]
    rows = [f"{n},{rec_hash(data)},{len(data)}" for n in names] + \
        [f"{p},{rec_hash(b)},{len(b)}" for p, b in files] + [f"{info}/RECORD,,"]
    entries = []  # (name, method, crc, csize, usize, data)
    for p, b in files + [(f"{info}/RECORD", ("\n".join(rows) + "\n").encode())]:
        entries.append((p, 0, zlib.crc32(b), len(b), len(b), b))
    body = bytearray(); central = bytearray()
    def local(n, m, cr, cs, us, d):
        at = len(body)
        nb = n.encode()
        body.extend(struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, m, 0, 0, cr, cs, us, len(nb), 0) + nb + d)
        return at
    def cent(n, m, cr, cs, us, at):
        nb = n.encode()
        central.extend(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 0x0314, 20, 0, m, 0, 0, cr, cs, us, len(nb), 0, 0, 0, 0, 0o100644 << 16, at) + nb)
    shared = local(names[0], 8, crc, len(c), len(data), c)
    for n in names:
        cent(n, 8, crc, len(c), len(data), shared)
    for e in entries:
        at = local(*e); cent(*e[:5], at)
    count = copies + len(entries)
    eocd = struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, count, count, len(central), len(body), 0)
    open(out, "wb").write(bytes(body) + bytes(central) + eocd)

if __name__ == "__main__":
    kind, out = sys.argv[1], sys.argv[2]
    arg = float(sys.argv[3]) if len(sys.argv) > 3 else 0
    {"many": lambda: many(out, int(arg or 100000)), "huge": lambda: huge(out, arg or 3),
     "liar": lambda: liar(out, int(arg or 512)), "overlap": lambda: overlap(out, int(arg or 4000))}[kind]()
