// The preview as a tree: directory rows with their totals, then the files
// in them, in the plan's order. Pure, no DOM.

const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/** Parent directory of an archive path ("" at the top). */
export function parentOf(path) {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i + 1);
}

/**
 * Rows `{kind: "dir", path, files, size}` and `{kind: "file", path, dir, name, size, reason}`,
 * ordered by directory then name, each directory row above the files it holds.
 */
export function treeRows(planEntries) {
  const entries = planEntries
    .map((e) => ({ ...e, dir: parentOf(e.path) }))
    .sort((a, b) => (a.dir === b.dir ? cmp(a.path, b.path) : cmp(a.dir, b.dir)));
  const totals = new Map();
  for (const e of entries) {
    const dir = e.dir;
    const t = totals.get(dir) ?? { files: 0, size: 0 };
    t.files += 1;
    t.size += e.size;
    totals.set(dir, t);
  }
  const rows = [];
  let open = null;
  for (const e of entries) {
    const dir = e.dir;
    if (dir !== open && dir !== "") rows.push({ kind: "dir", path: dir, ...totals.get(dir) });
    open = dir;
    rows.push({ kind: "file", path: e.path, dir, name: e.path.slice(dir.length), size: e.size, reason: e.reason });
  }
  return rows;
}
