// What changed between two previews of the same artifact: pure, no DOM.

/**
 * Compare two plans (`{entries: [{path, size}]}`); `previous` may be null.
 * Returns `{marks: Map(path -> "added" | "changed"), removed: [path]}`.
 * On the first view nothing is marked.
 */
export function planChanges(previous, next) {
  const marks = new Map();
  if (!previous) return { marks, removed: [] };
  const before = new Map(previous.entries.map((e) => [e.path, e.size]));
  for (const entry of next.entries) {
    if (!before.has(entry.path)) marks.set(entry.path, "added");
    else if (before.get(entry.path) !== entry.size) marks.set(entry.path, "changed");
  }
  const after = new Set(next.entries.map((e) => e.path));
  const removed = previous.entries.map((e) => e.path).filter((p) => !after.has(p));
  return { marks, removed };
}
