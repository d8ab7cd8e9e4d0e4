import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { seccompFromDockerProfile } from './seccomp-profile.js';

const host = { arch: 'x64', capabilities: ['CAP_CHOWN', 'CAP_KILL'], kernel: '6.1.0-13-amd64' };
const convert = (doc: unknown): ReturnType<typeof seccompFromDockerProfile> => seccompFromDockerProfile(JSON.stringify(doc), 'p.json', host);

test("docker's format: archMap picks the host's arch, includes/excludes decide which rules apply", () => {
  const out = convert({
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    archMap: [
      { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
      { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
    ],
    syscalls: [
      { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW', comment: 'always' },
      { name: 'mkdirat', action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
      { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'SCMP_ARCH_X86_64'] } },
      { names: ['cacheflush'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['SCMP_ARCH_ARM'] } },
      { names: ['kill'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_KILL'] } },
      { names: ['ptrace'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_PTRACE'] } },
      { names: ['new_one'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '7.0' } },
      { names: ['old_ok'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4.8' } },
      { names: ['not_chown'], action: 'SCMP_ACT_ALLOW', excludes: { caps: ['CAP_CHOWN'] } },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }] },
    ],
  });
  assert.equal(out.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  assert.is(out.defaultAction, 'SCMP_ACT_ERRNO');
  assert.is(out.defaultErrnoRet, 1);
  assert.equal(out.syscalls.map((r) => r.names.join(',')), ['read,write', 'mkdirat', 'arch_prctl', 'kill', 'old_ok', 'personality']);
  assert.equal(out.syscalls[1], { names: ['mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 });
  assert.equal(out.syscalls[5]?.args, [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }]);
});

test('bad profiles: each error names the file and the rule', () => {
  const bad = (doc: unknown, re: RegExp): void => assert.throws(() => convert(doc), (e: Error) => re.test(e.message) && e.message.startsWith('seccomp profile p.json: '));
  assert.throws(() => seccompFromDockerProfile('{nope', 'p.json', host), /seccomp profile p\.json: not valid JSON/);
  bad([], /expected a JSON object/);
  bad({ defaultAction: 'SCMP_ACT_NOPE' }, /defaultAction: unknown action "SCMP_ACT_NOPE"/);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['x'], action: 'ALLOW' }] }, /syscalls\[0\]: action: unknown action "ALLOW"/);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ action: 'SCMP_ACT_ALLOW' }] }, /syscalls\[0\]: no syscall names/);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'a', names: ['b'], action: 'SCMP_ACT_ALLOW' }] }, /either 'name' or 'names'/);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['a'], action: 'SCMP_ACT_ALLOW', args: [{ index: 9, value: 0, op: 'SCMP_CMP_EQ' }] }] }, /syscalls\[0\]: args\[0\]: index must be 0-5/);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['a'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'EQ' }] }] }, /unknown op "EQ"/);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], archMap: [{ architecture: 'SCMP_ARCH_X86_64' }] }, /either 'architectures' or 'archMap'/);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: {} }, /syscalls must be a list/);
  bad({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: -1 }, /defaultErrnoRet must be an errno number/);
  assert.throws(() => convert({ defaultAction: 'SCMP_ACT_NOTIFY' }), /not implemented|SCMP_ACT_NOTIFY/);
});

test.run();
