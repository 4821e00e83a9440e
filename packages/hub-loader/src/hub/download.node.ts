// One file's bytes from the Hub into `blobs/<etag>`: written to `blobs/<etag>.incomplete`,
// resumed with `Range: bytes=<n>-` after a broken connection (in this call, up to
// `retries` times, or in a later one: the partial file stays), checked for the announced
// size and, for LFS files, the sha256, then fsynced and renamed into place — so a blob
// under its final name is always complete. A wrong size or checksum removes the partial
// file (resuming it could never succeed). Node only; the caller holds the blob's lock.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat, truncate } from 'node:fs/promises';
import { HubError } from './errors.js';
import { getFile, type HubRequest, networkError, type RemoteFile } from './http.js';

export interface BlobDownloadOptions {
  /** Resumes after a broken connection within this call (default 3). */
  retries?: number;
  onBytes?: (bytesDone: number, bytesTotal: number) => void;
}

async function sizeOnDisk(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function hashPrefix(path: string, length: number): Promise<Hash> {
  const hash = createHash('sha256');
  if (length === 0) return hash;
  for await (const chunk of createReadStream(path, { start: 0, end: length - 1 }))
    hash.update(chunk as Buffer);
  return hash;
}

/** The first byte a 206 answer holds, from `Content-Range: bytes <start>-<end>/<total>`. */
function rangeStart(response: Response): number | undefined {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('Content-Range') ?? '');
  return match ? Number(match[1]) : undefined;
}

/**
 * Downloads `remote` to `blobPath` through `<blobPath>.incomplete`. Throws HubError
 * HUB_NETWORK (the partial file kept for a resume), HUB_SIZE_MISMATCH or
 * HUB_CHECKSUM_MISMATCH (the partial file removed), or the signal's reason.
 */
export async function downloadBlob(
  request: HubRequest,
  remote: RemoteFile,
  blobPath: string,
  options: BlobDownloadOptions = {},
): Promise<void> {
  const incomplete = `${blobPath}.incomplete`;
  const total = remote.size;
  const retries = options.retries ?? 3;
  let failures = 0;
  let done = await sizeOnDisk(incomplete);
  if (done > total) {
    await truncate(incomplete, 0);
    done = 0;
  }
  let hash = remote.sha256 ? await hashPrefix(incomplete, done) : undefined;
  options.onBytes?.(done, total);

  const restart = async () => {
    await truncate(incomplete, 0).catch(() => {});
    done = 0;
    hash = remote.sha256 ? createHash('sha256') : undefined;
    options.onBytes?.(0, total);
  };
  const fail = async (code: 'HUB_SIZE_MISMATCH' | 'HUB_CHECKSUM_MISMATCH', message: string) => {
    await rm(incomplete, { force: true });
    return new HubError(code, `${message}; the partial download was removed, run again to retry`);
  };

  while (done < total || total === 0) {
    const handle = await open(incomplete, 'a');
    try {
      const response = await getFile(request, remote.location, done);
      if (response.status === 200 && done > 0) {
        // The server ignored the Range header: the body starts at byte 0.
        await handle.truncate(0);
        await restart();
      } else if (response.status === 206 && rangeStart(response) !== done) {
        await response.body?.cancel();
        throw new HubError(
          'HUB_BAD_RESPONSE',
          `${remote.location} answered Range bytes=${done}- with Content-Range '${response.headers.get('Content-Range')}'`,
        );
      }
      const reader = response.body?.getReader();
      for (;;) {
        const next = reader ? await reader.read() : { done: true as const, value: undefined };
        if (next.done) break;
        const chunk = next.value;
        if (done + chunk.byteLength > total) {
          await reader?.cancel();
          throw await fail(
            'HUB_SIZE_MISMATCH',
            `'${remote.file}' of repo '${request.repoId}' is larger than the ${total} bytes the Hub announced (from ${remote.location})`,
          );
        }
        await handle.write(chunk);
        hash?.update(chunk);
        done += chunk.byteLength;
        options.onBytes?.(done, total);
      }
      await handle.sync();
      if (done !== total)
        throw await fail(
          'HUB_SIZE_MISMATCH',
          `'${remote.file}' of repo '${request.repoId}' ended after ${done} of the ${total} bytes the Hub announced (from ${remote.location})`,
        );
      break;
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason;
      if (error instanceof HubError && error.code !== 'HUB_NETWORK') throw error;
      // A broken connection: what arrived is kept, the rest is asked for with Range.
      if (failures++ < retries) continue;
      throw networkError(
        remote.location,
        error,
        ` ('${remote.file}' of repo '${request.repoId}', ${done} of ${total} bytes kept in ${incomplete}; run again to resume)`,
      );
    } finally {
      await handle.close();
    }
  }

  if (hash) {
    const actual = hash.digest('hex');
    if (actual !== remote.sha256)
      throw await fail(
        'HUB_CHECKSUM_MISMATCH',
        `'${remote.file}' of repo '${request.repoId}' has sha256 ${actual}, not the ${remote.sha256} the Hub announced (from ${remote.location})`,
      );
  }
  await rename(incomplete, blobPath);
}
