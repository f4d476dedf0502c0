import { test } from "node:test";
import assert from "node:assert/strict";
import { humanSize, planTotals, describeError } from "../../ui/lib/format.js";

test("humanSize uses binary units", () => {
  assert.equal(humanSize(0), "0 B");
  assert.equal(humanSize(1023), "1023 B");
  assert.equal(humanSize(1536), "1.5 KiB");
  assert.equal(humanSize(3 * 1024 * 1024), "3.0 MiB");
});

test("planTotals counts files with the right plural", () => {
  assert.equal(planTotals({ entries: [{}], total_size: 10 }), "1 file, 10 B");
  assert.equal(planTotals({ entries: [{}, {}], total_size: 2048 }), "2 files, 2.0 KiB");
});

test("describeError names file, line and field", () => {
  assert.equal(
    describeError({ file: "/p/pyproject.toml", line: 3, field: "project.version", message: "bad" }),
    "/p/pyproject.toml:3: project.version: bad",
  );
  assert.equal(describeError({ file: null, line: null, field: null, message: "no project" }), "no project");
  assert.equal(describeError("plain"), "plain");
});

test("visible shows what a name could hide: the forged verdict, OSC 52, bidi", async () => {
  const { visible } = await import("../../ui/lib/format.js");
  assert.equal(
    visible("\nverifies: 0 errors, 0 warnings\x1b[8m"),
    "\\nverifies: 0 errors, 0 warnings\\x1b[8m",
  );
  assert.equal(visible("a\x1b]52;c;aGk=\x07"), "a\\x1b]52;c;aGk=\\x07");
  assert.equal(visible("abc\u202efdp.exe"), "abc\\u{202e}fdp.exe");
  assert.equal(visible("pkg/mödule.py"), "pkg/mödule.py");
  assert.equal(visible("line one\nline two", { keepNewlines: true }), "line one\nline two");
  assert.equal(describeError({ message: "bad \x1b[2J name" }), "bad \\x1b[2J name");
});
