import { test } from "node:test";
import assert from "node:assert/strict";
import { planChanges } from "../../ui/lib/plan-diff.js";
import { buildCommand, shellQuote } from "../../ui/lib/command.js";
import { ladder } from "../../ui/lib/ladder.js";
import { reportVerdict, sortFindings, diffLines, reportFacts, flaggedPaths } from "../../ui/lib/report.js";
import { treeRows, parentOf } from "../../ui/lib/tree.js";

test("planChanges marks added and resized entries, lists removed ones", () => {
  const a = { entries: [{ path: "p/a.py", size: 1 }, { path: "p/b.py", size: 2 }, { path: "p/gone.py", size: 3 }] };
  const b = { entries: [{ path: "p/a.py", size: 1 }, { path: "p/b.py", size: 5 }, { path: "p/new.py", size: 1 }] };
  const { marks, removed } = planChanges(a, b);
  assert.equal(marks.get("p/new.py"), "added");
  assert.equal(marks.get("p/b.py"), "changed");
  assert.equal(marks.has("p/a.py"), false);
  assert.deepEqual(removed, ["p/gone.py"]);
  assert.equal(planChanges(null, b).marks.size, 0);
});

test("buildCommand quotes paths for a shell and lists every format", () => {
  assert.equal(shellQuote("/home/me/proj"), "/home/me/proj");
  assert.equal(shellQuote("/home/me/my proj"), "'/home/me/my proj'");
  assert.equal(shellQuote("it's"), "'it'\\''s'");
  assert.equal(
    buildCommand("/src/demo/", ["sdist", "wheel"]),
    "gradient build /src/demo/ --format sdist --format wheel --out /src/demo/dist",
  );
  assert.equal(
    buildCommand("/p", ["wheel"], { native: true, wheelFromSdist: false, savedWheelFromSdist: true }),
    "gradient build /p --format wheel --native --wheel-from-sdist false --out /p/dist",
  );
  assert.equal(buildCommand("/p", ["wheel"], { wheelFromSdist: true, savedWheelFromSdist: true }), "gradient build /p --format wheel --out /p/dist");
});

test("ladder marks bundled, assumed and outside layers in order", () => {
  const rows = ladder(["source", "deps", "runtime", "os"], ["source", "deps"], ["runtime", "os"]);
  assert.deepEqual(rows.map((r) => r.role), ["bundled", "bundled", "assumed", "assumed"]);
  assert.equal(ladder(["a", "b"], ["a"], [])[1].role, "outside");
});

test("reportVerdict counts errors and warnings; findings sort errors first", () => {
  const report = {
    findings: [
      { severity: "warning", code: "W002", path: "b" },
      { severity: "error", code: "R004", path: "a" },
      { severity: "error", code: "A001", path: "z" },
    ],
  };
  assert.deepEqual(reportVerdict(report), { verifies: false, text: "does not verify: 2 errors, 1 warning" });
  assert.deepEqual(sortFindings(report.findings).map((f) => f.code), ["A001", "R004", "W002"]);
  assert.equal(reportVerdict({ findings: [] }).text, "verifies: 0 errors, 0 warnings");
});

test("diffLines groups changes with a sign", () => {
  const diff = {
    metadata: [{ key: "Version", before: ["1.0"], after: ["1.1"] }],
    dependencies: [{ key: "click", before: null, after: "click>=8" }],
    tags: [], entry_points: [], bytecode: [], native: [],
    files: [{ path: "pkg/old.py", before: { size: 1 }, after: null }],
  };
  assert.deepEqual(diffLines(diff), [
    { group: "metadata", sign: "~", text: "Version: 1.0 → 1.1" },
    { group: "dependencies", sign: "+", text: "click: click>=8" },
    { group: "files", sign: "−", text: "pkg/old.py" },
  ]);
});

test("treeRows groups files under their directory with totals, once per directory", () => {
  const rows = treeRows([
    { path: "pkg/sub/x.py", size: 2, reason: "module" },
    { path: "pkg/__init__.py", size: 10, reason: "module" },
    { path: "pkg/cli.py", size: 5, reason: "module" },
    { path: "top.py", size: 1, reason: "module" },
    { path: "pkg-1.0.dist-info/RECORD", size: 7, reason: "generated" },
    { path: "pkg-1.0.dist-info/licenses/LICENSE", size: 3, reason: "license" },
    { path: "pkg-1.0.dist-info/WHEEL", size: 7, reason: "generated" },
  ]);
  assert.deepEqual(rows.map((r) => [r.kind, r.path]), [
    ["file", "top.py"],
    ["dir", "pkg-1.0.dist-info/"], ["file", "pkg-1.0.dist-info/RECORD"], ["file", "pkg-1.0.dist-info/WHEEL"],
    ["dir", "pkg-1.0.dist-info/licenses/"], ["file", "pkg-1.0.dist-info/licenses/LICENSE"],
    ["dir", "pkg/"], ["file", "pkg/__init__.py"], ["file", "pkg/cli.py"],
    ["dir", "pkg/sub/"], ["file", "pkg/sub/x.py"],
  ]);
  rows.splice(0, 6);
  assert.deepEqual([rows[0].files, rows[0].size], [2, 15]);
  assert.equal(rows[2].name, "cli.py");
  assert.equal(parentOf("a/b/c.py"), "a/b/");
});

test("reportFacts shows the engine's facts in order, marking where each section starts; flaggedPaths keeps the worst severity", () => {
  const report = {
    kind: "exe", size: 10, sha256: "ab",
    facts: [
      { section: "artifact", label: "kind", value: "frozen executable" },
      { section: "artifact", label: "sha256", value: "ab" },
      { section: "executable", label: "launcher", value: "1523264 B" },
      { section: "executable", label: "runs", value: "python3.11 (python/bin/python3.11)" },
      { section: "executable", label: "entry", value: "greet.cli:main" },
      { section: "platform", label: "platform", value: "consistent with manylinux_2_17_x86_64 (symbol versions alone allow manylinux_2_5_x86_64)" },
    ],
    findings: [], bytecode: [], native: [],
  };
  const facts = reportFacts(report);
  assert.deepEqual(facts.map((f) => f.label), ["kind", "sha256", "launcher", "runs", "entry", "platform"]);
  assert.equal(facts[3].text, "python3.11 (python/bin/python3.11)");
  assert.deepEqual(facts.map((f) => f.starts), [false, false, true, false, false, true]);
  assert.equal(facts[2].section, "executable");
  assert.deepEqual(reportFacts({ findings: [] }), []);
  const marks = flaggedPaths([
    { path: "x", severity: "warning" }, { path: "x", severity: "error" }, { path: "y", severity: "warning" }, { path: null, severity: "error" },
  ]);
  assert.deepEqual([...marks], [["x", "error"], ["y", "warning"]]);
});
