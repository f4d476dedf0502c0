// Small DOM helpers shared by the views. Text goes in through `visible`:
// names from artifacts and projects show their control characters.
import { visible } from "./format.js";

export const $ = (id) => document.getElementById(id);

/** A table row of text cells: `cells` is [[text, className], ...]. */
export function row(cells) {
  const tr = document.createElement("tr");
  for (const [text, cls] of cells) {
    const td = document.createElement("td");
    td.textContent = visible(text);
    if (cls) td.className = cls;
    tr.append(td);
  }
  return tr;
}

export function element(tag, text, className) {
  const el = document.createElement(tag);
  if (text !== undefined) el.textContent = visible(text);
  if (className) el.className = className;
  return el;
}
