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
  if (typeof error === "string") return error;
  const where = [error.file, error.line].filter((x) => x !== null && x !== undefined).join(":");
  const parts = [where, error.field, error.message].filter(Boolean);
  return parts.join(": ");
}
