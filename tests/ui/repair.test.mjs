import { test } from "node:test";
import assert from "node:assert/strict";
import { blockerReasons, repairView, wheelPlatforms } from "../../ui/lib/repair.js";

// The shape `gradient build --json` gives under "repairs" (serde of
// repair::Repaired), trimmed to the fields the panel reads.
const verdict = (tag, external = [], next_better) => ({
  libc: "glibc",
  arch: "x86_64",
  tag,
  symbol_tag: tag,
  versioned_symbols: {},
  external_libraries: external,
  ...(next_better ? { next_better } : {}),
});
const ext = "greet_new/_impl.cpython-312-x86_64-linux-gnu.so";
const repaired = {
  input: "greet_new-0.1-cp312-cp312-linux_x86_64.whl",
  written: { path: "/p/dist/greet_new-0.1-cp312-cp312-manylinux_2_36_x86_64.whl", size: 9, sha256: "ab" },
  before: verdict("linux_x86_64", ["libgreet.so.1"]),
  after: verdict("manylinux_2_36_x86_64"),
  tags: ["manylinux_2_36_x86_64"],
  grafted: [
    { soname: "libgreet.so.1", from: "/tmp/lib/libgreet.so.1", path: "greet_new.libs/libgreet-1a2b3c4d.so.1", needed_by: [ext] },
  ],
  rewritten: [ext],
  held_back: {
    tag: "manylinux_2_35_x86_64",
    symbol_versions: { "GLIBC_2.36": [`${ext}: arc4random`] },
    libraries: {},
    blacklisted: {},
  },
};

test("the panel names the tags before and after, the graft and what holds a better tag back", () => {
  const view = repairView(repaired);
  assert.equal(view.heading, "Repaired for manylinux_2_36_x86_64: 1 library grafted");
  const facts = new Map(view.facts);
  assert.equal(facts.get("Tag"), "linux_x86_64 → manylinux_2_36_x86_64");
  assert.equal(facts.get("Verdict before"), "linux_x86_64: libgreet.so.1 outside every policy");
  assert.equal(facts.get("Verdict after"), "manylinux_2_36_x86_64");
  assert.equal(facts.get("Repaired from"), "greet_new-0.1-cp312-cp312-linux_x86_64.whl");
  assert.equal(view.grafted.length, 1);
  assert.equal(view.grafted[0].soname, "libgreet.so.1");
  assert.deepEqual(view.grafted[0].facts, [
    ["Found at", "/tmp/lib/libgreet.so.1"],
    ["In the wheel", "greet_new.libs/libgreet-1a2b3c4d.so.1"],
    ["Needed by", ext],
  ]);
  const outcome = new Map(view.outcome);
  assert.equal(outcome.get("Rewritten"), ext);
  assert.equal(outcome.get("Held back"), `from manylinux_2_35_x86_64: GLIBC_2.36 needed by ${ext}: arc4random`);
});

test("code already consistent with a tag: the file's tag and the verdict differ; aliases follow the canonical tag", () => {
  const view = repairView({
    ...repaired,
    input: "/scratch/build-x/x-1-cp312-cp312-linux_x86_64.whl",
    before: verdict("manylinux_2_17_x86_64"),
    after: verdict("manylinux_2_17_x86_64"),
    tags: ["manylinux_2_17_x86_64", "manylinux2014_x86_64"],
    grafted: [],
    rewritten: [],
    held_back: undefined,
  });
  assert.equal(view.heading, "Repaired for manylinux_2_17_x86_64: no library grafted");
  const facts = new Map(view.facts);
  assert.equal(facts.get("Tag"), "linux_x86_64 → manylinux_2_17_x86_64, manylinux2014_x86_64");
  assert.equal(facts.get("Verdict before"), "manylinux_2_17_x86_64");
  assert.equal(facts.get("Repaired from"), "x-1-cp312-cp312-linux_x86_64.whl", "only the file name");
  const outcome = new Map(view.outcome);
  assert.equal(outcome.get("Rewritten"), "nothing");
  assert.ok(!outcome.has("Held back"));
});

test("every kind of reason gets its own line, naming versions, libraries and symbols", () => {
  const lines = blockerReasons({
    tag: "manylinux_2_5_x86_64",
    symbol_versions: { "GLIBC_2.14": ["a.so: memcpy"], "GLIBC_2.17": ["a.so: clock_gettime", "b.so: clock_getres"] },
    libraries: { "libfoo.so.2": ["a.so", "b.so"] },
    blacklisted: { "libz.so.1": ["gzflags"] },
  });
  assert.deepEqual(lines, [
    "GLIBC_2.14 needed by a.so: memcpy",
    "GLIBC_2.17 needed by a.so: clock_gettime; b.so: clock_getres",
    "libfoo.so.2 (needed by a.so, b.so) is neither allowed by manylinux_2_5_x86_64 nor bundled",
    "gzflags from libz.so.1 are not allowed by manylinux_2_5_x86_64",
  ]);
  const many = repairView({ ...repaired, grafted: [repaired.grafted[0], { ...repaired.grafted[0], soname: "libz.so.1" }] });
  assert.equal(many.heading, "Repaired for manylinux_2_36_x86_64: 2 libraries grafted");
});

test("a wheel file name's platform tags, compressed tag sets split", () => {
  assert.deepEqual(wheelPlatforms("/d/a-1-cp312-cp312-linux_x86_64.whl"), ["linux_x86_64"]);
  assert.deepEqual(wheelPlatforms("a-1-2-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"), ["manylinux_2_17_x86_64", "manylinux2014_x86_64"]);
});
