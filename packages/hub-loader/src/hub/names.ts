// The names a Hub download is built from — repo id, revision, file name — checked before
// any of them becomes a URL or a cache path, with the Hub's own rules (huggingface_hub's
// `validate_repo_id`) plus the ones that keep every path inside the cache: no `..`, no
// absolute path, no backslash, no control character. Browser-safe (no `node:` import).
import { HubError } from './errors.js';

/** The default branch a revision-less request resolves. */
export const DEFAULT_REVISION = 'main';

const COMMIT_HASH = /^[0-9a-f]{40}$/;
// ASCII letters, digits, `_`, `-`, `.`: the characters the Hub allows in a name part.
const NAME_PART = /^[A-Za-z0-9_.-]{1,96}$/;

/** Whether `revision` is a full commit hash (40 lowercase hex digits), as the cache names snapshots. */
export function isCommitHash(revision: string): boolean {
  return COMMIT_HASH.test(revision);
}

function invalid(what: string, value: string, why: string): HubError {
  return new HubError('HUB_INVALID_NAME', `invalid ${what} '${value}': ${why}`);
}

/**
 * Checks a repo id (`gpt2`, `openai-community/gpt2`) and returns it. Refuses path
 * traversal, absolute paths, a second `/`, characters the Hub does not allow, `--` (it is
 * the cache's separator: `a--b/c` and `a/b--c` would share one folder) and `.git`.
 */
export function checkRepoId(repoId: string): string {
  const what = 'repo id';
  if (typeof repoId !== 'string' || repoId.length === 0) throw invalid(what, String(repoId), 'it is empty');
  if (
    repoId.includes('\\') ||
    repoId.startsWith('/') ||
    repoId.split('/').some((p) => p === '..' || p === '.')
  )
    throw invalid(what, repoId, 'a path (with ., .., \\ or a leading /) is not a repo id of the Hub');
  const parts = repoId.split('/');
  if (parts.length > 2)
    throw invalid(what, repoId, "a repo id is 'name' or 'namespace/name', with at most one '/'");
  for (const part of parts) {
    if (!NAME_PART.test(part))
      throw invalid(
        what,
        repoId,
        `'${part}' must be 1 to 96 of the characters A-Z a-z 0-9 _ - . (no spaces or other symbols)`,
      );
    if (/^[-.]|[-.]$/.test(part))
      throw invalid(what, repoId, `'${part}' may not start or end with '-' or '.'`);
  }
  if (repoId.includes('--') || repoId.includes('..'))
    throw invalid(what, repoId, "'--' and '..' are not allowed in a repo id");
  if (repoId.endsWith('.git')) throw invalid(what, repoId, "a repo id does not end with '.git'");
  return repoId;
}

/**
 * Checks a revision: a branch or tag (`main`, `v1.0`, `refs/pr/3`) or a commit hash.
 * It becomes `refs/<revision>` in the cache, so no segment may be `.` or `..`.
 */
export function checkRevision(revision: string): string {
  const what = 'revision';
  if (typeof revision !== 'string' || revision.length === 0)
    throw invalid(what, String(revision), 'it is empty');
  if (revision.length > 255) throw invalid(what, revision, 'it is longer than 255 characters');
  if (!/^[A-Za-z0-9_.\-/]+$/.test(revision))
    throw invalid(what, revision, 'a branch, tag or commit uses only A-Z a-z 0-9 _ - . /');
  if (revision.split('/').some((p) => p === '' || p === '.' || p === '..'))
    throw invalid(what, revision, "it has an empty, '.' or '..' segment");
  return revision;
}

/**
 * Checks a file name inside a repo (`config.json`, `onnx/model.onnx`, a shard named by an
 * index): relative, '/'-separated, no empty / `.` / `..` segment, no backslash or control
 * character — so `snapshots/<commit>/<file>` can never point outside the snapshot.
 */
export function checkRepoFile(file: string, context = 'file name'): string {
  if (typeof file !== 'string' || file.length === 0) throw invalid(context, String(file), 'it is empty');
  if (file.length > 1024) throw invalid(context, file.slice(0, 64), 'it is longer than 1024 characters');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
  if (/[\u0000-\u001f\u007f\\:]/.test(file))
    throw invalid(context, file, 'a file of a repo has no backslash, colon or control character');
  if (file.startsWith('/')) throw invalid(context, file, 'a file of a repo is a relative path');
  if (file.split('/').some((p) => p === '' || p === '.' || p === '..'))
    throw invalid(context, file, "it has an empty, '.' or '..' segment (it would point outside the repo)");
  return file;
}

/** The cache folder of a model repo: `models--ORG--NAME` (huggingface_hub's `repo_folder_name`). */
export function repoFolderName(repoId: string): string {
  return ['models', ...checkRepoId(repoId).split('/')].join('--');
}

/** `{endpoint}/{repo}/resolve/{revision}/{file}`, the revision and each path segment URL-encoded. */
export function resolveUrl(endpoint: string, repoId: string, revision: string, file: string): string {
  const path = file.split('/').map(encodeURIComponent).join('/');
  return `${endpoint.replace(/\/+$/, '')}/${repoId}/resolve/${encodeURIComponent(revision)}/${path}`;
}
