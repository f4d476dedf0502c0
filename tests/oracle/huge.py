"""Make large and hostile wheels for the inspector's end-to-end tests, cheaply.

    huge.py many OUT_DIR COUNT        a wheel of COUNT modules (Python's zipfile;
                                      Zip64 once COUNT passes 65,535)
    huge.py sparse OUT_DIR SIZE       a wheel with one stored member of SIZE zero
                                      bytes declared through Zip64, written as a
                                      sparse file (no disk blocks for the zeros)
    huge.py newline OUT_DIR           a wheel with a file whose name holds a line
                                      break, quoted in RECORD as csv writes it
    huge.py bigmeta OUT_DIR SIZE      a wheel whose METADATA is SIZE bytes
    huge.py elfbomb OUT_DIR COUNT     COUNT ELF members of 31 MiB each (a few KB
                                      compressed) whose dynamic section claims
                                      30 MiB: an inspector that holds ELF members
                                      whole needs COUNT x 31 MiB of memory

Each prints the path of the wheel it wrote.
"""

import base64
import csv
import hashlib
import io
import os
import struct
import sys
import zlib
import zipfile

# SHA-256 and CRC-32 of the zero runs the tests use, so a test does not spend
# half a minute hashing zeros to write the RECORD (checked by `sha256sum` of
# `head -c SIZE /dev/zero`).
ZERO_DIGESTS = {
    4_400_000_000: ("36f5a3b9e315883c2066011cbe3b9e95016f44d5769930b73dace48af444d404", 0x1E7E8AE2),
}


def record_hash(digest: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def dist_files(name: str, rows: list, meta: bytes = b"") -> list:
    """METADATA, WHEEL and RECORD for `rows` [(path, digest, size)]."""
    meta = meta or f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\nSummary: test\n".encode()
    wheel = b"Wheel-Version: 1.0\nGenerator: huge.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    info = f"{name}-1.0.dist-info"
    files = [(f"{info}/METADATA", meta), (f"{info}/WHEEL", wheel)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for path, digest, size in rows:
        writer.writerow([path, record_hash(digest), size])
    for path, data in files:
        writer.writerow([path, record_hash(hashlib.sha256(data).digest()), len(data)])
    writer.writerow([f"{info}/RECORD", "", ""])
    files.append((f"{info}/RECORD", out.getvalue().encode()))
    return files


def write_wheel(out_dir: str, name: str, members: list, meta: bytes = b"") -> str:
    """A wheel of in-memory members [(path, bytes)], through zipfile."""
    rows = [(p, hashlib.sha256(d).digest(), len(d)) for p, d in members]
    path = os.path.join(out_dir, f"{name}-1.0-py3-none-any.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for p, d in members + dist_files(name, rows, meta):
            zf.writestr(p, d)
    return path


class RawZip:
    """A zip written field by field (APPNOTE 6.3 § 4.3), for entries whose
    data is given already compressed, or as a hole of zeros (sparse)."""

    def __init__(self, path: str):
        self.f = open(path, "wb")
        self.central = b""
        self.count = 0
        self.zip64 = False

    def add(self, name: str, method: int, crc: int, size: int, data: bytes = b"", hole: int = 0):
        name_b = name.encode()
        csize = len(data) + hole
        offset = self.f.tell()
        big = max(size, csize, offset) >= 0xFFFFFFFF
        self.zip64 |= big
        ff = 0xFFFFFFFF
        local_extra = struct.pack("<HHQQ", 1, 16, size, csize) if big else b""
        self.f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0x800, method, 0, 0x21, crc,
                                 ff if big else csize, ff if big else size, len(name_b), len(local_extra)))
        self.f.write(name_b + local_extra + data)
        if hole:
            self.f.seek(hole, os.SEEK_CUR)
        extra = struct.pack("<HHQQQ", 1, 24, size, csize, offset) if big else b""
        self.central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x031E, 45, 0x800, method, 0, 0x21,
                                    crc, ff if big else csize, ff if big else size, len(name_b), len(extra),
                                    0, 0, 0, 0o100644 << 16, ff if big else offset)
        self.central += name_b + extra
        self.count += 1

    def add_file(self, name: str, data: bytes):
        self.add(name, 0, zlib.crc32(data), len(data), data)

    def close(self):
        start = self.f.tell()
        self.f.write(self.central)
        size = len(self.central)
        if not (self.zip64 or self.count > 0xFFFF or start > 0xFFFFFFFF):
            self.f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, self.count, self.count, size, start, 0))
            self.f.close()
            return
        record_at = self.f.tell()
        self.f.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 0x031E, 45, 0, 0,
                                 self.count, self.count, size, start))
        self.f.write(struct.pack("<IIQI", 0x07064B50, 0, record_at, 1))
        self.f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0))
        self.f.close()


def many(out_dir: str, count: int) -> str:
    members = [("many/__init__.py", b"")]
    members += [(f"many/m{i}.py", f"X = {i}\n".encode()) for i in range(count)]
    return write_wheel(out_dir, "many", members)


def sparse(out_dir: str, size: int) -> str:
    if size in ZERO_DIGESTS:
        hexdigest, crc = ZERO_DIGESTS[size]
        digest = bytes.fromhex(hexdigest)
    else:
        h, crc, left, block = hashlib.sha256(), 0, size, bytes(1 << 24)
        while left:
            n = min(left, len(block))
            h.update(block[:n])
            crc = zlib.crc32(block[:n], crc)
            left -= n
        digest = h.digest()
    path = os.path.join(out_dir, "sparse-1.0-py3-none-any.whl")
    z = RawZip(path)
    init = b"DATA = 'zeros.bin'\n"
    z.add_file("sparse/__init__.py", init)
    z.add("sparse/zeros.bin", 0, crc, size, hole=size)
    rows = [("sparse/__init__.py", hashlib.sha256(init).digest(), len(init)),
            ("sparse/zeros.bin", digest, size)]
    for p, d in dist_files("sparse", rows):
        z.add_file(p, d)
    z.close()
    return path


def newline(out_dir: str) -> str:
    return write_wheel(out_dir, "newline", [("newline/__init__.py", b""),
                                            ("newline/odd\nname.txt", b"two lines\n")])


def bigmeta(out_dir: str, size: int) -> str:
    head = b"Metadata-Version: 2.1\nName: bigmeta\nVersion: 1.0\nSummary: test\n\n"
    meta = head + b"x" * (size - len(head))
    return write_wheel(out_dir, "bigmeta", [("bigmeta/__init__.py", b"")], meta=meta)


def elf_header(dynamic_size: int) -> bytes:
    """A 64-bit little-endian x86-64 shared object header with one program
    header: PT_DYNAMIC at offset 4096, `dynamic_size` bytes (all zeros)."""
    ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    header = ident + struct.pack("<HHIQQQIHHHHHH", 3, 62, 1, 0, 64, 0, 0, 64, 56, 1, 64, 0, 0)
    phdr = struct.pack("<IIQQQQQQ", 2, 6, 4096, 4096, 4096, dynamic_size, dynamic_size, 8)
    return header + phdr


def elfbomb(out_dir: str, count: int) -> str:
    member = 31 << 20
    head = elf_header(30 << 20)
    body = head + bytes(member - len(head))
    crc = zlib.crc32(body)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = packer.compress(body) + packer.flush()
    digest = hashlib.sha256(body).digest()
    path = os.path.join(out_dir, "elfbomb-1.0-cp312-cp312-manylinux_2_17_x86_64.whl")
    z = RawZip(path)
    rows = []
    for i in range(count):
        name = f"elfbomb/_m{i}.cpython-312-x86_64-linux-gnu.so"
        z.add(name, 8, crc, member, packed)
        rows.append((name, digest, member))
    for p, d in dist_files("elfbomb", rows):
        z.add_file(p, d)
    z.close()
    return path


def main() -> None:
    kind, out_dir, *rest = sys.argv[1:]
    os.makedirs(out_dir, exist_ok=True)
    made = {
        "many": lambda: many(out_dir, int(rest[0])),
        "sparse": lambda: sparse(out_dir, int(rest[0])),
        "newline": lambda: newline(out_dir),
        "bigmeta": lambda: bigmeta(out_dir, int(rest[0])),
        "elfbomb": lambda: elfbomb(out_dir, int(rest[0])),
    }[kind]()
    print(made)


if __name__ == "__main__":
    main()
