// Pure helpers for the Publish step: no DOM, no Tauri; unit-tested with
// node --test.
import { shellQuote } from "./command.js";

/** Only sdists and wheels go to a package index. */
export function canPublish(artifact) {
  return artifact?.format === "sdist" || artifact?.format === "wheel";
}

/** The command-line equivalent: `gradient publish FILE --repository NAME`
 *  or `--repository-url URL`. */
export function publishCommand(path, repository, url) {
  const words = ["gradient", "publish", shellQuote(path)];
  if (repository === "url") words.push("--repository-url", shellQuote(url ?? ""));
  else if (repository !== "pypi") words.push("--repository", shellQuote(repository));
  return words.join(" ");
}

const ACTIONS = {
  upload: "will be uploaded",
  skip: "already on the index with the same sha256: will be skipped",
  refuse: "refused",
};

/** The check result as lines: one per file, then one per problem, each
 *  with `ok` telling whether it stands in the way. */
export function checkLines(checked) {
  const lines = checked.files.map((f) => ({
    ok: f.action !== "refuse",
    text: `${f.file_name} (${f.kind} ${f.name} ${f.version}): ${ACTIONS[f.action] ?? f.action}`,
  }));
  for (const p of checked.problems) {
    lines.push({ ok: false, text: `${p.file ? `${p.file}: ` : ""}${p.code} ${p.message}` });
  }
  return lines;
}

/** The links a finished upload leads to: each file on the index, then the
 *  project's page. */
export function resultLinks(outcome) {
  const links = outcome.files
    .filter((f) => f.url)
    .map((f) => ({ text: `${f.file_name} — ${f.status}`, url: f.url }));
  for (const url of outcome.project_urls) links.push({ text: "Project page", url });
  return links;
}
