// "What makes it big": an application preview's files grouped by where they
// come from (the engine marks each entry's origin), largest first, as bars.

const LABELS = {
  runtime: "Runtime (interpreter, libpython)",
  "standard-library": "Standard library",
  application: "Application code",
  "shared-library": "Bundled shared libraries",
  other: "Other",
};

/** The group key and label of one origin (`{kind, name}` from the engine). */
function groupOf(origin) {
  const kind = origin?.kind ?? "other";
  if (kind === "distribution") return { key: `distribution:${origin.name}`, kind, label: origin.name };
  return { key: kind, kind, label: LABELS[kind] ?? LABELS.other };
}

/**
 * The plan's entries summed per origin: `[{key, kind, label, size, files,
 * percent, width}]`, largest first (ties by label). `percent` is the share
 * of the total; `width` the bar's length relative to the largest group, so
 * the largest fills the row. Empty when nothing has an origin besides
 * "other" (formats that are not applications).
 */
export function composition(entries) {
  const groups = new Map();
  for (const e of entries) {
    const g = groupOf(e.origin);
    const sum = groups.get(g.key) ?? { ...g, size: 0, files: 0 };
    sum.size += e.size;
    sum.files += 1;
    groups.set(g.key, sum);
  }
  const list = [...groups.values()];
  if (list.every((g) => g.kind === "other")) return [];
  list.sort((a, b) => b.size - a.size || a.label.localeCompare(b.label));
  const total = list.reduce((n, g) => n + g.size, 0);
  const largest = list[0]?.size ?? 0;
  return list.map((g) => ({
    ...g,
    percent: total ? (100 * g.size) / total : 0,
    width: largest ? (100 * g.size) / largest : 0,
  }));
}

/** "42.1%" (or "<0.1%" for a sliver that is not nothing). */
export function sharePercent(percent) {
  if (percent > 0 && percent < 0.1) return "<0.1%";
  return `${percent.toFixed(1)}%`;
}
