// Pure helpers for the views: no DOM, no Tauri; unit-tested with node --test.

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** Human-readable size in binary units: 1536 -> "1.5 KiB". */
export function humanSize(bytes) {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** "3 files, 12.0 KiB" for a plan view. */
export function planTotals(plan) {
  const n = plan.entries.length;
  return `${n} ${n === 1 ? "file" : "files"}, ${humanSize(plan.total_size)}`;
}

/** The text of an error panel: "file:line: field: message". */
export function describeError(error) {
  if (typeof error === "string") return visible(error, { keepNewlines: true });
  const where = [error.file, error.line].filter((x) => x !== null && x !== undefined).join(":");
  const parts = [where, error.field, error.message].filter(Boolean);
  return visible(parts.join(": "), { keepNewlines: true });
}

// Control characters (C0, DEL, C1), line and paragraph separators,
// bidirectional controls and invisible format characters: what a name from
// an artifact or a project could use to hide or reorder what is read.
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
const NAMED = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** `text` with each such character shown as an escape (`\n`, `\x1b`,
 *  `\u{202e}`), as the command line shows it; `keepNewlines` for messages. */
export function visible(text, { keepNewlines = false } = {}) {
  return String(text).replace(HIDDEN, (c) => {
    if (keepNewlines && c === "\n") return c;
    if (NAMED[c]) return NAMED[c];
    const code = c.codePointAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
  });
}
