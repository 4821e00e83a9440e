// One repo's folder in the Hugging Face cache, in the exact layout Python's
// huggingface_hub reads and writes, so either side finds what the other downloaded:
//
//   <cache>/models--ORG--NAME/
//     blobs/<etag>                      the bytes, named by their etag (sha256 for LFS files)
//     refs/<revision>                   the commit a branch or tag resolved to (no newline)
//     snapshots/<commit>/<file>         a relative symlink to ../../blobs/<etag> (a copy
//                                       where symlinks are impossible)
//     .no_exist/<commit>/<file>         an empty file: the Hub said 404 for it at that commit
import { constants } from 'node:fs';
import {
  copyFile,
  lstat,
  mkdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { writeFileAtomic } from '@tensorlm/nn';
import { HubError } from './errors.js';
import { isCommitHash, repoFolderName } from './names.js';

/** What the cache knows about one file at one commit. */
export type CachedFileState = 'present' | 'absent' | 'unknown';

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export class RepoCache {
  /** `<cache>/models--ORG--NAME`. */
  readonly folder: string;

  constructor(
    readonly cacheDir: string,
    readonly repoId: string,
  ) {
    this.folder = join(cacheDir, repoFolderName(repoId));
  }

  refPath(revision: string): string {
    return join(this.folder, 'refs', ...revision.split('/'));
  }

  snapshotDir(commit: string): string {
    return join(this.folder, 'snapshots', commit);
  }

  pointerPath(commit: string, file: string): string {
    return join(this.snapshotDir(commit), ...file.split('/'));
  }

  blobPath(etag: string): string {
    return join(this.folder, 'blobs', etag);
  }

  noExistPath(commit: string, file: string): string {
    return join(this.folder, '.no_exist', commit, ...file.split('/'));
  }

  /** The commit `refs/<revision>` names, or undefined when there is no such ref. */
  async readRef(revision: string): Promise<string | undefined> {
    const path = this.refPath(revision);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
      throw error;
    }
    // Python writes the bare hash; a hand-edited ref may end with a newline.
    const commit = text.trim();
    if (!isCommitHash(commit))
      throw new HubError(
        'HUB_CACHE_DAMAGED',
        `${path} should hold a 40-hex commit hash, not ${JSON.stringify(text.slice(0, 60))}`,
      );
    return commit;
  }

  /** The commit a revision names: itself when it is a commit hash, else its ref (if any). */
  async commitOf(revision: string): Promise<string | undefined> {
    return isCommitHash(revision) ? revision : this.readRef(revision);
  }

  /** Present (a readable file, through its symlink), absent (recorded in .no_exist) or unknown. */
  async fileState(commit: string, file: string): Promise<CachedFileState> {
    try {
      if ((await stat(this.pointerPath(commit, file))).isFile()) return 'present';
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    try {
      await stat(this.noExistPath(commit, file));
      return 'absent';
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    return 'unknown';
  }

  /** Points `refs/<revision>` at `commit` (atomically; nothing for a commit-hash revision or an unchanged ref). */
  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit || (await this.readRef(revision).catch(() => undefined)) === commit) return;
    const path = this.refPath(revision);
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, commit);
  }

  /**
   * Marks the cache folder with a CACHEDIR.TAG (https://bford.info/cachedir/) so backup
   * tools skip it, as huggingface_hub does; never overwrites one, best effort.
   */
  async tagCacheDir(): Promise<void> {
    const tag =
      'Signature: 8a477f597d28d172789f06886806bc55\n' +
      '# This file is a cache directory tag: the Hugging Face hub cache, written by tensorlm.\n' +
      '# For information about cache directory tags see https://bford.info/cachedir/\n';
    await mkdir(this.cacheDir, { recursive: true }).catch(() => {});
    await writeFile(join(this.cacheDir, 'CACHEDIR.TAG'), tag, { flag: 'wx' }).catch(() => {});
  }

  /** Records that the Hub has no `file` at `commit`, as huggingface_hub does; best effort. */
  async recordMissing(commit: string, file: string): Promise<void> {
    const path = this.noExistPath(commit, file);
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, '', { flag: 'a' });
    } catch {
      // A read-only cache still works; the file is only looked up again next time.
    }
  }

  /**
   * Makes `snapshots/<commit>/<file>` a relative symlink to `blobs/<etag>` (moving the
   * cache folder keeps it valid), or a copy when symlinks are disabled or impossible.
   */
  async linkPointer(commit: string, file: string, etag: string, { symlinks = true } = {}): Promise<void> {
    const pointer = this.pointerPath(commit, file);
    const blob = this.blobPath(etag);
    await mkdir(dirname(pointer), { recursive: true });
    if (symlinks) {
      const target = relative(dirname(pointer), blob);
      try {
        await symlink(target, pointer);
        return;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') {
          // Another process linked it meanwhile: fine if it is the same blob.
          if ((await readlink(pointer).catch(() => null)) === target) return;
          if ((await lstat(pointer)).isFile()) return; // a copy made where symlinks fail
          throw new HubError('HUB_CACHE_DAMAGED', `${pointer} exists and does not point to ${blob}`, {
            cause: error,
          });
        }
        // Windows without developer mode, some network and FAT file systems: copy instead.
        if (
          code !== 'EPERM' &&
          code !== 'EACCES' &&
          code !== 'ENOSYS' &&
          code !== 'EINVAL' &&
          code !== 'ENOTSUP'
        )
          throw error;
      }
    }
    const temp = `${pointer}.${process.pid}.${Date.now().toString(36)}.tmp`;
    try {
      await copyFile(blob, temp, constants.COPYFILE_FICLONE);
      await rename(temp, pointer);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}
