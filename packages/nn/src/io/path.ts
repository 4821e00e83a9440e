// The one path join of the libraries. Browser-safe (no node:path), so nn, the trainer and
// the CLI build file names the same way whatever platform or bundler they run under.

/**
 * Joins a folder and a name with one separator: `joinPath('runs/a', 'config.json')` is
 * `runs/a/config.json`, and a folder that already ends in `/` or `\` is not given a second
 * one. An empty folder means the current one (the name alone). The name is appended as is:
 * no `..` resolution and no normalisation, so callers that must stay inside a folder check
 * the name themselves.
 */
export function joinPath(dir: string, name: string): string {
  if (dir === '') return name;
  return dir.endsWith('/') || dir.endsWith('\\') ? `${dir}${name}` : `${dir}/${name}`;
}
