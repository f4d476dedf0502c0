// The `gradient` command equivalent to the studio's choices, for CI.

/** Quote a word for a POSIX shell when it needs it. */
export function shellQuote(word) {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * `gradient build PROJECT --format F ... [--native] [--wheel-from-sdist B] --out PROJECT/dist`.
 * `options.wheelFromSdist` is passed only when it differs from the project's
 * saved setting (`options.savedWheelFromSdist`): what is saved, CI reads itself.
 */
export function buildCommand(projectPath, formats, options = {}) {
  const words = ["gradient", "build", shellQuote(projectPath)];
  for (const format of formats) words.push("--format", format);
  if (options.native) words.push("--native");
  if (options.wheelFromSdist !== undefined && options.wheelFromSdist !== options.savedWheelFromSdist) {
    words.push("--wheel-from-sdist", String(options.wheelFromSdist));
  }
  words.push("--out", shellQuote(`${projectPath.replace(/\/+$/, "")}/dist`));
  return words.join(" ");
}
