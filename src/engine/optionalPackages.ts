/**
 * The native backends are optional packages the bundle does not carry (@tensorflow/tfjs-node(-gpu) download
 * libtensorflow when installed; webgpu ships Dawn binaries for every platform, 130 MB). A checkout resolves them from
 * its node_modules. An installed extension has none, so the worker also looks in the folders named by
 * MLBTC_BACKEND_PACKAGES (path-delimiter separated; the `mlbtc.backendPackages` setting sets it for runs started in
 * the editor): a folder where `npm install @tensorflow/tfjs-node-gpu` (or webgpu) was run.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';

import { BACKEND_PACKAGES_ENV } from '../protocol/worker';

/** The folders MLBTC_BACKEND_PACKAGES names, in order. */
export function backendPackageFolders(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env[BACKEND_PACKAGES_ENV] ?? '').split(path.delimiter).filter((f) => f.trim() !== '');
}

/**
 * The entry file of `pkg`: from this bundle's own node_modules first, then from each backend package folder (and
 * the folders above it, as Node resolves). Undefined when it is installed nowhere.
 */
export function resolveOptionalPackage(pkg: string, folders: readonly string[] = backendPackageFolders()): string | undefined {
  for (const from of [__filename, ...folders.map((f) => path.join(path.resolve(f), 'package.json'))]) {
    try {
      return createRequire(from).resolve(pkg);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
    }
  }
  return undefined;
}

/** Where the worker looked, for "not installed" messages. */
export function searchedPlaces(folders: readonly string[] = backendPackageFolders()): string {
  return folders.length
    ? `this installation's node_modules or ${folders.join(', ')}`
    : `this installation's node_modules (set ${BACKEND_PACKAGES_ENV} or the mlbtc.backendPackages setting to a folder where it is installed)`;
}
