// A folder's content as a plain record — every path with the SHA-256 of its bytes
// (folders as 'dir') — so a test can assert that a program left a user's folder
// byte-identical, without trusting the program's own idea of what it touched.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function snapshotFolder(root: string): Promise<Record<string, string>> {
  const tree: Record<string, string> = {};
  const walk = async (rel: string) => {
    for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        tree[`${path}/`] = 'dir';
        await walk(path);
      } else {
        tree[path] = createHash('sha256')
          .update(await readFile(join(root, path)))
          .digest('hex');
      }
    }
  };
  await walk('');
  return tree;
}
