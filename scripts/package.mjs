// `npm run package`: production build + vsce package into dist/ (see scripts/harness/package.ts).
import { tsImport } from 'tsx/esm/api';

const { packageExtension } = await tsImport('./harness/package.ts', import.meta.url);
try {
  await packageExtension();
} catch (error) {
  console.error(error.message);
  process.exitCode = 1;
}
