// Summaries of inspector reports and diffs for the views: pure, no DOM.

import { debFacts } from "./deb.js";
const ORDER = { error: 0, warning: 1, info: 2 };

/** "verifies: 0 errors, 2 warnings" or "does not verify: 3 errors, 0 warnings". */
export function reportVerdict(report) {
  const count = (s) => report.findings.filter((f) => f.severity === s).length;
  const errors = count("error");
  const warnings = count("warning");
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return {
    verifies: errors === 0,
    text: `${errors === 0 ? "verifies" : "does not verify"}: ${plural(errors, "error")}, ${plural(warnings, "warning")}`,
  };
}

/** Findings, errors first, then by code and path. */
export function sortFindings(findings) {
  return [...findings].sort(
    (a, b) =>
      ORDER[a.severity] - ORDER[b.severity] ||
      a.code.localeCompare(b.code) ||
      (a.path ?? "").localeCompare(b.path ?? ""),
  );
}

/** One line per difference in a diff, grouped by kind: [{group, sign, text}]. */
export function diffLines(diff) {
  const lines = [];
  const sign = (c) => (c.before == null ? "+" : c.after == null ? "−" : "~");
  const show = (v) => (Array.isArray(v) ? v.join(", ") : v ?? "");
  const groups = [
    ["metadata", diff.metadata],
    ["dependencies", diff.dependencies],
    ["tags", diff.tags],
    ["entry points", diff.entry_points],
    ["bytecode", diff.bytecode],
    ["native code", diff.native],
  ];
  for (const [group, changes] of groups) {
    for (const c of changes) {
      const text = c.before != null && c.after != null ? `${c.key}: ${show(c.before)} → ${show(c.after)}` : `${c.key}: ${show(c.before ?? c.after)}`;
      lines.push({ group, sign: sign(c), text });
    }
  }
  for (const f of diff.files) {
    lines.push({ group: "files", sign: sign(f), text: f.path });
  }
  return lines;
}

/** The facts list of a report as `[label, text]` pairs, most telling first. */
export function reportFacts(report) {
  const facts = [["Kind", report.kind]];
  const fields = report.metadata?.fields ?? {};
  const one = (key) => fields[key]?.[0];
  if (one("Name")) facts.push(["Project", `${one("Name")} ${one("Version") ?? ""}`.trim()]);
  if (one("Summary")) facts.push(["Summary", one("Summary")]);
  if (report.wheel) {
    const n = report.wheel.name;
    facts.push(["Tags", report.wheel.tags.join(", ")]);
    if (n.build) facts.push(["Build tag", n.build]);
    const rec = report.wheel.record;
    if (rec) facts.push(["RECORD", `${rec.verified} of ${rec.rows} rows verified, ${rec.problems} problems`]);
  }
  if (report.sdist) facts.push(["Top directory", report.sdist.top]);
  if (report.image) facts.push(...imageFacts(report.image));
  if (report.deb) facts.push(...debFacts(report.deb));
  if (report.zipapp) {
    const z = report.zipapp;
    if (z.shebang) facts.push(["Interpreter", z.shebang]);
    if (z.tool) facts.push(["Made by", z.tool]);
    if (z.distributions.length) facts.push(["Vendored", z.distributions.map((d) => `${d.name} ${d.version}`).join(", ")]);
  }
  if (one("Requires-Python")) facts.push(["Requires-Python", one("Requires-Python")]);
  if (fields["Requires-Dist"]?.length) facts.push(["Requires-Dist", fields["Requires-Dist"].join("\n")]);
  if (fields["License-Expression"]) facts.push(["License", one("License-Expression")]);
  for (const [group, names] of Object.entries(report.entry_points ?? {})) {
    facts.push([`Entry points (${group})`, Object.entries(names).map(([k, v]) => `${k} = ${v}`).join(", ")]);
  }
  if (report.bytecode.length) {
    const versions = [...new Set(report.bytecode.map((p) => p.python ?? `magic ${p.magic}`))];
    facts.push(["Bytecode", `${report.bytecode.length} .pyc for Python ${versions.join(", ")}`]);
  }
  if (report.native.length) {
    const libs = [...new Set(report.native.flatMap((n) => n.needed))].sort();
    facts.push(["Native code", `${report.native.length} ELF ${report.native.length === 1 ? "file" : "files"} (${report.native[0].machine}); needs ${libs.join(", ") || "nothing"}`]);
  }
  if (report.verdict) {
    const v = report.verdict;
    facts.push(["Platform", v.tag ? `fits ${v.tag} (symbols alone: ${v.symbol_tag ?? "none"})` : `fits no ${v.libc === "musl" ? "musllinux" : "manylinux"} policy`]);
    if (v.external_libraries.length) facts.push(["Outside the policy", v.external_libraries.join(", ")]);
  }
  facts.push(["Size", `${report.size} bytes`], ["sha256", report.sha256]);
  return facts;
}

/** Paths that carry a finding, for marking rows in the file table. */
export function flaggedPaths(findings) {
  const marks = new Map();
  for (const f of findings) {
    if (!f.path) continue;
    if (f.severity === "error" || !marks.has(f.path)) marks.set(f.path, f.severity);
  }
  return marks;
}

/** A container image's facts: what runs, as whom, and its verified layers. */
export function imageFacts(image) {
  const facts = [["Image", `${image.kind}${image.tag ? ` · tag ${image.tag}` : ""}`], ["Digest", image.manifest_digest], ["Platform", `${image.os}/${image.architecture}`]];
  const c = image.config ?? {};
  facts.push(["User", `${c.User ?? "(root)"}${image.runs_as_root ? " — runs as root" : " — non-root"}`]);
  if (c.Entrypoint) facts.push(["Entrypoint", c.Entrypoint.join(" ")]);
  if (image.python?.interpreters?.length) facts.push(["Python", image.python.interpreters.map((p) => `/${p}`).join(", ")]);
  if (image.python?.distributions?.length) facts.push(["Installed", image.python.distributions.join(", ")]);
  image.layers.forEach((l, i) => {
    const ok = l.digest_ok && l.diff_id_ok ? "digest and diff_id verified" : "DIGEST MISMATCH";
    facts.push([`Layer ${i}`, `${l.created_by ?? ""} · ${l.files.length} entries · ${l.size} bytes · ${ok}`]);
  });
  return facts;
}
