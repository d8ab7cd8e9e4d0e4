// Builds kiln: tsc type-checks and emits dist/ (tests run from there), then
// esbuild bundles the CLI into dist/bundle/ so start-up does not pay for
// hundreds of module files (chevrotain alone imports ~300 ms as plain ESM).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);

// KILN_BUILD_BUNDLE_ONLY=1 skips tsc (a quick rebuild of the CLI bundle while developing).
const tsc = process.env.KILN_BUILD_BUNDLE_ONLY === '1' ? { status: 0 } : spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', root], { stdio: 'inherit' });
if (tsc.status !== 0) {
  console.error('build: tsc failed');
  process.exit(1);
}

const esbuild = await import('esbuild');
const outdir = join(root, 'dist', 'bundle');
rmSync(outdir, { recursive: true, force: true });
await esbuild.build({
  entryPoints: [join(root, 'cli', 'main.ts')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Not minified: an error's source line is printed whole, and it must stay readable.
  minify: false,
  minifySyntax: true,
  minifyIdentifiers: true,
  sourcemap: 'linked',
  logLevel: 'warning',
  // commander is CommonJS; its bundled require() of node builtins needs a real require.
  banner: { js: "import { createRequire as __kilnCreateRequire } from 'node:module'; const require = __kilnCreateRequire(import.meta.url);" },
  tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: false } },
  define: { KILN_VERSION: JSON.stringify(require(join(root, 'package.json')).version) },
});

// koffi's prebuilt FFI module for this platform, beside the bundle (util/linux-syscalls.ts loads it from there
// in an installed kiln, which has no node_modules); without it kiln falls back to mount(8) and the attr tools.
const triplet = `${process.platform}_${process.arch}`;
const koffiNode = join(root, 'node_modules', 'koffi', 'build', 'koffi', triplet, 'koffi.node');
if (existsSync(koffiNode)) copyFileSync(koffiNode, join(outdir, `koffi-${triplet}.node`));
