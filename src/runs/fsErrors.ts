/**
 * File-system failures as messages a user can act on: what failed, on which path, and what to do about it.
 */

/** A store operation that failed on the file system; `code` is the errno code (ENOSPC, EACCES, ...). */
export class StoreError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

const remedies: Record<string, string> = {
  ENOSPC: 'the disk is full: free some space, or point mlbtc.runsDirectory (--runs) at another disk',
  EDQUOT: 'the disk quota is exhausted: free some space, or point mlbtc.runsDirectory (--runs) elsewhere',
  EACCES: 'permission denied: make the folder writable, or point mlbtc.runsDirectory (--runs) at a writable folder',
  EPERM: 'operation not permitted: make the folder writable, or point mlbtc.runsDirectory (--runs) at a writable folder',
  EROFS: 'the file system is read-only: point mlbtc.runsDirectory (--runs) at a writable folder',
  ENOTDIR: 'a file stands where a folder is expected: remove it or choose another runs directory',
};

/** Wrap `e` from `action` ("create run x") on `target` into a StoreError that says why and what to do. */
export function storeError(e: unknown, action: string, target: string, consequence?: string): StoreError {
  const code = (e as NodeJS.ErrnoException)?.code;
  const why = (code && remedies[code]) ?? (e instanceof Error ? e.message : String(e));
  return new StoreError(
    `Cannot ${action} in ${target}: ${why}${code && remedies[code] ? ` (${code})` : ''}.${consequence ? ` ${consequence}` : ''}`,
    code,
  );
}
