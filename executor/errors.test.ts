// Mapping the runtime's start failures to Docker's exit codes and messages.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FailedPreconditionError } from '../util/errors.js';
import { ContainerStartError, startErrorFromRuntime } from './errors.js';

const test = suite('startErrorFromRuntime');

test('runc: command not found is 127 with Docker\'s message', () => {
  const err = startErrorFromRuntime('runc run failed: unable to start container process: exec: "nope": executable file not found in $PATH');
  assert.instance(err, ContainerStartError);
  assert.instance(err, FailedPreconditionError);
  assert.is(err.message, 'exec: "nope": executable file not found in $PATH');
  assert.is(err.exitCode, 127);
  assert.is(startErrorFromRuntime('runc run failed: unable to start container process: exec: "/x": stat /x: no such file or directory').exitCode, 127);
});

test('runc: not executable is 126', () => {
  const err = startErrorFromRuntime('runc run failed: unable to start container process: exec: "/etc": permission denied');
  assert.equal([err.message, err.exitCode], ['exec: "/etc": permission denied', 126]);
});

test('crun messages', () => {
  assert.is(startErrorFromRuntime('executable file `nope` not found in $PATH: No such file or directory').exitCode, 127);
  assert.is(startErrorFromRuntime('open executable: Operation not permitted').exitCode, 126);
});

test('other runtime failures are 125, also when they mention a missing file', () => {
  assert.is(startErrorFromRuntime('runc run failed: unable to start container process: error mounting "/x": no such file or directory').exitCode, 125);
  const err = startErrorFromRuntime('runc run failed: unable to start container process: error during container init: error mounting "proc"');
  assert.is(err.exitCode, 125);
  assert.is(err.message, 'error during container init: error mounting "proc"');
});

test.run();
