/**
 * Child processes for e2e tests: a kiln process running one container with
 * this process's own stdio.
 * - `sweep STATE_DIR ROOTFS ID`: prints "ready", then sleeps (the test SIGKILLs this process).
 * - `tty STATE_DIR ROOTFS ID`: an interactive shell script on a terminal (run under script(1));
 *   exits with the container's exit code.
 */
import { OciRuntimeExecutor } from './runc.js';
import { resolveRuntime } from './runtime.js';
import { bindRootfs } from './test-support.js';

const [mode = '', stateDir = '', rootfs = '', id = ''] = process.argv.slice(2);
const executor = new OciRuntimeExecutor({ stateDir, runtime: await resolveRuntime({ runtime: 'runc' }) });
const script =
  mode === 'tty' ? 'tty; stty size; echo "TERM=$TERM"; read line; echo "got $line"; exit 5' : 'echo ready; exec sleep 1000';
const { exitCode } = await executor.run(
  { id, rootfs: bindRootfs(rootfs), args: ['sh', '-c', script], env: [], network: 'none', tty: mode === 'tty' },
  { stdio: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr } },
);
process.exitCode = exitCode;
