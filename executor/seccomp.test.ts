// The default seccomp profile: deny by default, never allow the syscalls
// Docker's documentation lists as blocked, argument filters for clone,
// clone3, personality and socket.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLONE_NAMESPACE_FLAGS, DENIED_SYSCALLS, defaultSeccompProfile } from './seccomp.js';

const test = suite('defaultSeccompProfile');
const profile = defaultSeccompProfile('x64');
const unconditional = new Set(profile.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW' && r.args === undefined).flatMap((r) => r.names));

test('denies by default with EPERM (SCMP_ACT_ERRNO)', () => {
  assert.is(profile.defaultAction, 'SCMP_ACT_ERRNO');
});

test('none of Docker\'s documented blocked syscalls is allowed unconditionally', () => {
  const docs = [
    'acct', 'add_key', 'bpf', 'clock_adjtime', 'clock_settime', 'clone', 'create_module', 'delete_module', 'finit_module',
    'get_kernel_syms', 'get_mempolicy', 'init_module', 'ioperm', 'iopl', 'kcmp', 'kexec_file_load', 'kexec_load', 'keyctl',
    'lookup_dcookie', 'mbind', 'mount', 'move_pages', 'name_to_handle_at', 'nfsservctl', 'open_by_handle_at', 'perf_event_open',
    'personality', 'pivot_root', 'process_vm_readv', 'process_vm_writev', 'ptrace', 'query_module', 'quotactl', 'reboot',
    'request_key', 'set_mempolicy', 'setns', 'settimeofday', 'stime', 'swapon', 'swapoff', 'sysfs', '_sysctl', 'umount',
    'umount2', 'unshare', 'uselib', 'userfaultfd', 'ustat', 'vm86', 'vm86old',
  ];
  for (const name of [...docs, ...DENIED_SYSCALLS]) assert.not.ok(unconditional.has(name), `${name} is allowed`);
  // Only clone and personality (argument-filtered) and clone3 (ENOSYS) appear in any rule at all.
  const mentioned = new Set(profile.syscalls.flatMap((r) => r.names));
  assert.equal(docs.filter((n) => mentioned.has(n)).sort(), ['clone', 'personality']);
});

test('clone only without namespace flags; clone3 fails with ENOSYS so libc falls back to clone', () => {
  const clone = profile.syscalls.filter((r) => r.names.includes('clone'));
  assert.equal(clone, [{ names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] }]);
  // CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET
  assert.is(CLONE_NAMESPACE_FLAGS, 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000);
  assert.equal(profile.syscalls.filter((r) => r.names.includes('clone3')), [{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }]);
});

test('personality only for Docker\'s personas; socket for every family but AF_VSOCK', () => {
  const personas = profile.syscalls.filter((r) => r.names.includes('personality')).map((r) => r.args?.[0]?.value);
  assert.equal(personas, [0, 8, 0x20000, 0x20008, 0xffffffff]);
  const socket = profile.syscalls.filter((r) => r.names.includes('socket'));
  assert.equal(socket, [{ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }] }]);
});

test('what ordinary programs need is allowed', () => {
  for (const name of ['read', 'write', 'openat', 'execve', 'mmap', 'futex', 'rt_sigaction', 'exit_group', 'wait4', 'chroot', 'setuid', 'statx', 'rseq']) {
    assert.ok(unconditional.has(name), `${name} is not allowed`);
  }
});

test('architectures and arch-specific syscalls', () => {
  assert.equal(profile.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
  assert.ok(unconditional.has('arch_prctl'));
  const arm = defaultSeccompProfile('arm64');
  assert.equal(arm.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  const armAllowed = arm.syscalls[0]?.names ?? [];
  assert.ok(armAllowed.includes('set_tls'));
  assert.not.ok(armAllowed.includes('arch_prctl'));
  assert.equal(defaultSeccompProfile('riscv64').architectures, []);
});

test('no name appears twice in the allow list', () => {
  const names = profile.syscalls[0]?.names ?? [];
  assert.is(new Set(names).size, names.length);
});

test.run();
