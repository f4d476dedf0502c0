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

test("reportFacts summarises a wheel; flaggedPaths keeps the worst severity", () => {
  const report = {
    kind: "wheel", size: 10, sha256: "ab",
    metadata: { fields: { Name: ["demo"], Version: ["1.0"], "Requires-Dist": ["click>=8", "rich"] } },
    wheel: { name: { build: null }, tags: ["py3-none-any"], record: { rows: 3, verified: 2, problems: 0 } },
    entry_points: { console_scripts: { demo: "demo.cli:main" } },
    bytecode: [{ path: "a.pyc", magic: 3495, python: "3.11" }],
    native: [], verdict: null,
  };
  const facts = Object.fromEntries(reportFacts(report));
  assert.equal(facts.Project, "demo 1.0");
  assert.equal(facts.Tags, "py3-none-any");
  assert.equal(facts["Requires-Dist"], "click>=8\nrich");
  assert.equal(facts["Entry points (console_scripts)"], "demo = demo.cli:main");
  assert.equal(facts.Bytecode, "1 .pyc for Python 3.11");
  const marks = flaggedPaths([
    { path: "x", severity: "warning" }, { path: "x", severity: "error" }, { path: "y", severity: "warning" }, { path: null, severity: "error" },
  ]);
  assert.deepEqual([...marks], [["x", "error"], ["y", "warning"]]);
});

test("reportFacts of a container image: user, entrypoint, verified layers", () => {
  const image = {
    kind: "OCI image layout",
    tag: "1.2.0",
    manifest_digest: "sha256:abc",
    os: "linux",
    architecture: "amd64",
    runs_as_root: false,
    config: { User: "65532:65532", Entrypoint: ["/opt/greet/python/bin/greet"] },
    python: { interpreters: ["opt/greet/python/bin/python3.11"], distributions: ["greet-1.2.0"] },
    layers: [
      { created_by: "base", files: [1, 2], size: 10, digest_ok: true, diff_id_ok: true },
      { created_by: "project", files: [1], size: 5, digest_ok: true, diff_id_ok: false },
    ],
  };
  const report = { kind: "container image", findings: [], bytecode: [], native: [], size: 15, sha256: "abc", image };
  const facts = Object.fromEntries(reportFacts(report));
  assert.equal(facts.User, "65532:65532 — non-root");
  assert.equal(facts.Entrypoint, "/opt/greet/python/bin/greet");
  assert.equal(facts.Python, "/opt/greet/python/bin/python3.11");
  assert.match(facts["Layer 0"], /digest and diff_id verified/);
  assert.match(facts["Layer 1"], /DIGEST MISMATCH/);
  const root = Object.fromEntries(reportFacts({ ...report, image: { ...image, runs_as_root: true, config: {} } }));
  assert.equal(root.User, "(root) — runs as root");
});
