// Debian packages in the studio: the control part as one text.

/** control, conffiles and the maintainer scripts, each under its name. */
export function debControlText(deb) {
  const parts = [`DEBIAN/control\n${deb.control}`];
  if (deb.conffiles.length) parts.push(`DEBIAN/conffiles\n${deb.conffiles.join("\n")}\n`);
  for (const [name, text] of deb.scripts) parts.push(`DEBIAN/${name}\n${text}`);
  return parts.join("\n");
}
