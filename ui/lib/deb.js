// Debian packages in the studio: the control part as one text, and the
// facts an inspected package adds to the report.

/** control, conffiles and the maintainer scripts, each under its name. */
export function debControlText(deb) {
  const parts = [`DEBIAN/control\n${deb.control}`];
  if (deb.conffiles.length) parts.push(`DEBIAN/conffiles\n${deb.conffiles.join("\n")}\n`);
  for (const [name, text] of deb.scripts) parts.push(`DEBIAN/${name}\n${text}`);
  return parts.join("\n");
}

/** `[label, text]` facts of an inspected Debian package. */
export function debFacts(deb) {
  const field = (name) => deb.control.find(([k]) => k === name)?.[1];
  const facts = [["Package", `${field("Package") ?? "?"} ${field("Version") ?? ""} (${field("Architecture") ?? "?"})`.trim()]];
  if (field("Depends")) facts.push(["Depends", field("Depends")]);
  const m = deb.md5sums;
  facts.push(["md5sums", `${m.verified} of ${m.listed} files verified, ${m.problems} problems`]);
  if (deb.conffiles.length) facts.push(["Conffiles", deb.conffiles.join(", ")]);
  if (deb.scripts.length) facts.push(["Maintainer scripts", deb.scripts.map(([name]) => name).join(", ")]);
  if (deb.python) {
    const p = deb.python;
    facts.push(["Python application", `${p.layout} layout, runs on ${p.interpreter}; commands ${p.commands.join(", ")}`]);
    facts.push(["Distributions", p.distributions.join(", ")]);
  }
  return facts;
}
