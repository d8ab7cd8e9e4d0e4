/**
 * The host programs kiln runs, named in one place with the Debian package
 * that provides each, so a missing one is reported at start-up ("runc not
 * found: apt-get install runc") rather than as ENOENT in the middle of a build.
 * A new host program kiln runs belongs in this list. Optional ones (git,
 * decompressors, credential helpers, script(1)) are reported where they are used.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';

/** One needed program: any of `names` will do (e.g. runc or crun). */
export interface HostTool {
  readonly names: readonly string[];
  /** The Debian package(s) to install, as an apt-get argument list. */
  readonly packages: string;
  /** What kiln uses it for (shown in the message). */
  readonly use: string;
}

/** Which commands need which tools. */
export type ToolNeed = 'containers' | 'layers';

/** Tools kiln runs, by need. `containers`: running steps and `kiln run`; `layers`: writing and reading image layers. */
export const HOST_TOOLS: Readonly<Record<ToolNeed, readonly HostTool[]>> = {
  containers: [
    { names: ['runc', 'crun'], packages: 'runc', use: 'the OCI runtime that runs RUN steps and containers' },
    { names: ['mount'], packages: 'mount', use: 'overlay mounts of snapshots' },
    { names: ['umount'], packages: 'mount', use: 'unmounting snapshots' },
  ],
  layers: [
    { names: ['getfattr'], packages: 'attr', use: 'reading extended attributes into layers' },
    { names: ['setfattr'], packages: 'attr', use: 'writing extended attributes from layers' },
    { names: ['mknod'], packages: 'coreutils', use: 'device files and overlay whiteouts' },
    { names: ['cp'], packages: 'coreutils', use: 'copying snapshots' },
    { names: ['tar'], packages: 'tar', use: '--output type=tar' },
  ],
};

/** The first of `names` found executable on `search`, or undefined. */
export async function findTool(names: readonly string[], search: string): Promise<string | undefined> {
  for (const name of names) {
    const dirs = isAbsolute(name) ? [''] : search.split(delimiter).filter((d) => d !== '');
    for (const dir of dirs) {
      const candidate = dir === '' ? name : join(dir, name);
      if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
    }
  }
  return undefined;
}

/**
 * The message for each tool of `needs` missing from `search` (PATH), e.g.
 * `runc not found: apt-get install runc (the OCI runtime that runs RUN steps and containers)`.
 * `skip` names tools the caller resolves itself (a `--runtime` path).
 */
export async function missingTools(needs: readonly ToolNeed[], search: string, skip: readonly string[] = []): Promise<string[]> {
  const out: string[] = [];
  const tools = needs.flatMap((n) => HOST_TOOLS[n]).filter((t) => !t.names.some((n) => skip.includes(n)));
  for (const t of tools) {
    if ((await findTool(t.names, search)) !== undefined) continue;
    out.push(`${t.names.join(' or ')} not found: apt-get install ${t.packages} (${t.use})`);
  }
  return out;
}
