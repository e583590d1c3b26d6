import { access } from 'node:fs/promises';

/** Whether `file` (or folder) exists and can be seen; any error (absent, no permission) reads as no. */
export function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}
