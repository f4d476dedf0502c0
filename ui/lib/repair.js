// Wheel repair in the build result: what a platform wheel's verdict was
// before and after, the libraries grafted into it and what keeps it from a
// better tag. Pure: the view turns these into elements (text only).

/**
 * The reasons a tag is not reached, one line each, naming the symbol
 * versions and symbols (as `Blocker::describe` does, split into lines).
 */
export function blockerReasons(blocker) {
  const lines = [];
  for (const [version, uses] of Object.entries(blocker.symbol_versions ?? {})) {
    lines.push(`${version} needed by ${uses.join("; ")}`);
  }
  for (const [lib, users] of Object.entries(blocker.libraries ?? {})) {
    lines.push(`${lib} (needed by ${users.join(", ")}) is neither allowed by ${blocker.tag} nor bundled`);
  }
  for (const [lib, symbols] of Object.entries(blocker.blacklisted ?? {})) {
    lines.push(`${symbols.join(", ")} from ${lib} are not allowed by ${blocker.tag}`);
  }
  return lines;
}

/** The last path component of a file name as the engine reports it. */
const baseName = (path) => String(path).split("/").pop();

/** The platform tags a wheel file name carries (`…-linux_x86_64.whl`). */
export function wheelPlatforms(fileName) {
  return baseName(fileName).replace(/\.whl$/, "").split("-").pop().split(".");
}

/**
 * The repair as the panel shows it: a heading line, `[label, text]` facts
 * on the tags and verdicts, one entry per grafted library, then the
 * outcome (members rewritten, what holds a better tag back).
 */
export function repairView(r) {
  const outside = r.before.external_libraries;
  const facts = [
    ["Tag", `${wheelPlatforms(r.input).join(", ")} → ${r.tags.join(", ")}`],
    ["Verdict before", outside.length ? `${r.before.tag}: ${outside.join(", ")} outside every policy` : r.before.tag],
    ["Verdict after", r.after.tag],
    ["Repaired from", baseName(r.input)],
  ];
  const grafted = r.grafted.map((g) => ({
    soname: g.soname,
    facts: [
      ["Found at", g.from],
      ["In the wheel", g.path],
      ["Needed by", g.needed_by.join(", ")],
    ],
  }));
  const outcome = [["Rewritten", r.rewritten.length ? r.rewritten.join("\n") : "nothing"]];
  if (r.held_back) outcome.push(["Held back", `from ${r.held_back.tag}: ${blockerReasons(r.held_back).join("\n")}`]);
  const n = r.grafted.length;
  const libraries = n === 0 ? "no library" : n === 1 ? "1 library" : `${n} libraries`;
  return { heading: `Repaired for ${r.tags[0]}: ${libraries} grafted`, facts, grafted, outcome };
}
