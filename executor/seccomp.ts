/**
 * kiln's default seccomp profile, written from Docker's documented default
 * (https://docs.docker.com/engine/security/seccomp/): deny by default with
 * EPERM (SCMP_ACT_ERRNO's default errno), allow a fixed list, and allow some syscalls only with safe arguments.
 * The result is the OCI `linux.seccomp` object:
 * https://github.com/opencontainers/runtime-spec/blob/v1.0.2/config-linux.md#seccomp
 *
 * Differences from Docker: `ptrace`, `process_vm_readv` and
 * `process_vm_writev` (Docker allows them on kernels >= 4.8),
 * `clock_adjtime` and `name_to_handle_at` stay denied, as Docker's
 * documentation lists them; socket(2) is refused only for AF_VSOCK (Docker
 * 28 allows a list of address families instead). Runtimes skip names their libseccomp does not
 * know, so the list may name syscalls newer than the host's.
 */
import type { OciSeccomp, OciSeccompRule } from './oci.js';

const ENOSYS = 38;

/** The namespace flags of clone(2): CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET. */
export const CLONE_NAMESPACE_FLAGS = 0x7e020000;

/**
 * Syscalls that kiln's profile must never allow unconditionally (Docker's
 * documented "significant syscalls blocked"); `clone` and `personality` are
 * allowed only with restricted arguments.
 */
export const DENIED_SYSCALLS: readonly string[] = words(`
  acct add_key bpf clock_adjtime clock_settime clone create_module delete_module finit_module
  get_kernel_syms get_mempolicy init_module ioperm iopl kcmp kexec_file_load kexec_load keyctl
  lookup_dcookie mbind mount move_pages name_to_handle_at nfsservctl open_by_handle_at
  perf_event_open personality pivot_root process_vm_readv process_vm_writev ptrace query_module
  quotactl reboot request_key set_mempolicy setns settimeofday stime swapon swapoff sysfs _sysctl
  umount umount2 unshare uselib userfaultfd ustat vm86 vm86old clone3 fsopen fsmount fsconfig
  fspick move_mount open_tree mount_setattr`);

/** Allowed on every architecture, with any arguments. */
const ALLOWED = words(`
  accept accept4 access adjtimex alarm bind brk cachestat capget capset chdir chmod chown chown32
  chroot clock_getres clock_getres_time64 clock_gettime clock_gettime64 clock_nanosleep
  clock_nanosleep_time64 close close_range connect copy_file_range creat dup dup2 dup3
  epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait
  epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64
  fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchmodat2 fchown fchown32 fchownat
  fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat fstat64
  fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64 futex futex_requeue futex_time64
  futex_wait futex_waitv futex_wake futimesat getcpu getcwd getdents getdents64 getegid getegid32
  geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer getpeername getpgid getpgrp
  getpid getppid getpriority getrandom getresgid getresgid32 getresuid getresuid32 getrlimit
  get_robust_list getrusage getsid getsockname getsockopt get_thread_area gettid gettimeofday
  getuid getuid32 getxattr getxattrat inotify_add_watch inotify_init inotify_init1
  inotify_rm_watch io_cancel ioctl io_destroy io_getevents io_pgetevents io_pgetevents_time64
  ioprio_get ioprio_set io_setup io_submit ipc kill landlock_add_rule landlock_create_ruleset
  landlock_restrict_self lchown lchown32 lgetxattr link linkat listen listmount listxattr
  listxattrat llistxattr _llseek lremovexattr lseek lsetxattr lstat lstat64 madvise
  map_shadow_stack membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock
  mlock2 mlockall mmap mmap2 mprotect mq_getsetattr mq_notify mq_open mq_timedreceive
  mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap mseal msgctl msgget
  msgrcv msgsnd msync munlock munlockall munmap nanosleep newfstatat _newselect open openat
  openat2 pause pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect poll
  ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64 process_mrelease pselect6
  pselect6_time64 pwrite64 pwritev pwritev2 read readahead readlink readlinkat readv recv
  recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages removexattr removexattrat rename
  renameat renameat2 restart_syscall rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask
  rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64
  rt_tgsigqueueinfo sched_getaffinity sched_getattr sched_getparam sched_get_priority_max
  sched_get_priority_min sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64
  sched_setaffinity sched_setattr sched_setparam sched_setscheduler sched_yield seccomp select
  semctl semget semop semtimedop semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg
  sendto setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setitimer
  setpgid setpriority setregid setregid32 setresgid setresgid32 setresuid setresuid32 setreuid
  setreuid32 setrlimit set_robust_list setsid setsockopt set_thread_area set_tid_address setuid
  setuid32 setxattr setxattrat shmat shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4
  sigprocmask sigreturn socketcall socketpair splice stat stat64 statfs statfs64 statmount statx
  symlink symlinkat sync sync_file_range syncfs sysinfo tee tgkill time timer_create timer_delete
  timer_getoverrun timer_gettime timer_gettime64 timer_settime timer_settime64 timerfd_create
  timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64 times tkill truncate
  truncate64 ugetrlimit umask uname unlink unlinkat uretprobe utime utimensat utimensat_time64
  utimes vfork vmsplice wait4 waitid waitpid write writev`);

/** Per-architecture extras and the seccomp architectures a native binary may use. */
const ARCHES: Readonly<Record<string, { readonly architectures: readonly string[]; readonly extra: readonly string[] }>> = {
  // No SCMP_ARCH_X32 (Docker lists it): x32 binaries are rare, many kernels lack the ABI, and
  // each extra architecture costs ~6 ms per container start; x32 syscalls are refused instead.
  x64: { architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'], extra: ['arch_prctl', 'modify_ldt'] },
  ia32: { architectures: ['SCMP_ARCH_X86'], extra: ['modify_ldt'] },
  arm64: {
    architectures: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
    extra: ['arm_fadvise64_64', 'arm_sync_file_range', 'sync_file_range2', 'breakpoint', 'cacheflush', 'set_tls'],
  },
  arm: {
    architectures: ['SCMP_ARCH_ARM'],
    extra: ['arm_fadvise64_64', 'arm_sync_file_range', 'sync_file_range2', 'breakpoint', 'cacheflush', 'set_tls'],
  },
};

/** personality(2) personas Docker allows: PER_LINUX, PER_LINUX32, UNAME26 variants, and the query 0xffffffff. */
const PERSONAS = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];

/** AF_VSOCK: host/guest sockets, which Docker keeps from containers. */
const AF_VSOCK = 40;

/**
 * The default profile for a container on `arch` (Node's `process.arch`
 * naming). Only Docker's default capability set is assumed: rules Docker
 * ties to other capabilities (CAP_SYS_ADMIN, CAP_SYS_PTRACE, ...) are absent.
 */
export function defaultSeccompProfile(arch: string): OciSeccomp {
  const a = ARCHES[arch] ?? { architectures: [], extra: [] };
  const syscalls: OciSeccompRule[] = [
    { names: [...ALLOWED, ...a.extra], action: 'SCMP_ACT_ALLOW' },
    ...PERSONAS.map((value): OciSeccompRule => argRule('personality', { index: 0, value, op: 'SCMP_CMP_EQ' })),
    // One rule, as Docker 23-27 had it: Docker 28's per-family allowlist costs
    // ~9 ms per container start (libseccomp expands it for x86's socketcall).
    argRule('socket', { index: 0, value: AF_VSOCK, op: 'SCMP_CMP_NE' }),
    // clone without namespace flags only: no new namespaces from inside.
    argRule('clone', { index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }),
    // clone3's flags live in memory seccomp cannot read; ENOSYS makes libc fall back to clone.
    { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
  ];
  return { defaultAction: 'SCMP_ACT_ERRNO', architectures: a.architectures, syscalls };
}

function argRule(name: string, arg: NonNullable<OciSeccompRule['args']>[number]): OciSeccompRule {
  return { names: [name], action: 'SCMP_ACT_ALLOW', args: [arg] };
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w !== '');
}
