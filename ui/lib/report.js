// Summaries of inspector reports and diffs for the views: pure, no DOM.

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

/**
 * The facts the engine lists for a report (`report.facts`, the lines of
 * `gradient inspect`) as table rows: `{label, text, section, starts}`, where
 * `starts` marks the first fact of each section.
 */
export function reportFacts(report) {
  return (report.facts ?? []).map((f, i, all) => ({
    label: f.label,
    text: f.value,
    section: f.section,
    starts: i > 0 && all[i - 1].section !== f.section,
  }));
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
