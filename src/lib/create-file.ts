import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';

const code = (err: unknown) => (err as NodeJS.ErrnoException).code;

/** Filesystems without hard links answer link() with these. */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * Creates `file` holding `content`, or answers false when it exists. The content is written under a
 * temporary name and linked into place, so no process reads the file empty or cut short (a crash,
 * a full disk, or a reader between the create and the write). A filesystem without hard links gets
 * an exclusive create and write.
 */
export function createWith(file: string, content: string, mode = 0o666): boolean {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, content, { flag: 'wx', mode });
  } catch (err) {
    if (code(err) !== 'EEXIST') rmSync(temp, { force: true }); // cut short (a full disk): not left behind
    throw err;
  }
  try {
    linkSync(temp, file);
    return true;
  } catch (err) {
    if (code(err) === 'EEXIST') return false;
    if (!NO_LINKS.has(code(err) ?? '')) throw err;
  } finally {
    unlinkSync(temp);
  }
  try {
    const fd = openSync(file, 'wx', mode);
    writeSync(fd, content);
    closeSync(fd);
    return true;
  } catch (err) {
    if (code(err) === 'EEXIST') return false;
    throw err;
  }
}
