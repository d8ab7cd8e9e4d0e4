/**
 * The subset of the OCI runtime spec (config.json, version 1.0.2) that kiln
 * writes. https://github.com/opencontainers/runtime-spec/blob/v1.0.2/config.md
 */

import type { OciMount } from '../oci/index.js';

// The mount entry is the oci/ leaf's one mount type.
export type { OciMount };

/** https://github.com/opencontainers/runtime-spec/blob/v1.0.2/config.md#linux-process */
export interface OciCapabilities {
  readonly bounding: readonly string[];
  readonly effective?: readonly string[];
  readonly permitted?: readonly string[];
}

/** https://github.com/opencontainers/runtime-spec/blob/v1.0.2/config.md#process */
export interface OciProcess {
  readonly terminal: boolean;
  readonly user: { readonly uid: number; readonly gid: number; readonly additionalGids?: readonly number[] };
  readonly args: readonly string[];
  readonly env: readonly string[];
  readonly cwd: string;
  readonly capabilities: OciCapabilities;
  readonly noNewPrivileges: boolean;
  /** https://github.com/opencontainers/runtime-spec/blob/v1.0.2/config.md#posix-process */
  readonly rlimits?: readonly { readonly type: string; readonly soft: number; readonly hard: number }[];
}

/** https://github.com/opencontainers/runtime-spec/blob/v1.0.2/config-linux.md#allowed-device-list */
export interface OciDeviceRule {
  readonly allow: boolean;
  readonly type?: 'a' | 'c' | 'b';
  readonly major?: number;
  readonly minor?: number;
  readonly access: string;
}

/** https://github.com/opencontainers/runtime-spec/blob/v1.0.2/config-linux.md#seccomp */
export interface OciSeccompArg {
  readonly index: number;
  readonly value: number;
  readonly valueTwo?: number;
  readonly op: 'SCMP_CMP_EQ' | 'SCMP_CMP_NE' | 'SCMP_CMP_LT' | 'SCMP_CMP_LE' | 'SCMP_CMP_GE' | 'SCMP_CMP_GT' | 'SCMP_CMP_MASKED_EQ';
}

/** https://github.com/opencontainers/runtime-spec/blob/v1.0.2/config-linux.md#seccomp (actions) */
export type OciSeccompAction =
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_KILL_THREAD'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_LOG';

export interface OciSeccompRule {
  readonly names: readonly string[];
  readonly action: OciSeccompAction;
  readonly errnoRet?: number;
  readonly args?: readonly OciSeccompArg[];
}

export interface OciSeccomp {
  readonly defaultAction: OciSeccompAction;
  readonly defaultErrnoRet?: number;
  readonly architectures: readonly string[];
  readonly flags?: readonly string[];
  readonly syscalls: readonly OciSeccompRule[];
}

/** https://github.com/opencontainers/runtime-spec/blob/v1.0.2/config-linux.md#control-groups */
export interface OciResources {
  readonly devices: readonly OciDeviceRule[];
  readonly memory?: { readonly limit: number; readonly swap?: number };
  readonly cpu?: { readonly shares?: number; readonly quota?: number; readonly period?: number; readonly cpus?: string; readonly mems?: string };
  readonly pids?: { readonly limit: number };
}

/** https://github.com/opencontainers/runtime-spec/blob/v1.0.2/config-linux.md */
export interface OciLinux {
  readonly namespaces: readonly { readonly type: 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup'; readonly path?: string }[];
  /** Device nodes the runtime creates in /dev (only `--privileged` asks for any: the host's). */
  readonly devices: readonly OciDevice[];
  readonly resources: OciResources;
  readonly cgroupsPath?: string;
  readonly maskedPaths: readonly string[];
  readonly readonlyPaths: readonly string[];
  /** Absent: no filter (`--privileged`, `--security-opt seccomp=unconfined`). */
  readonly seccomp?: OciSeccomp;
}

/** https://github.com/opencontainers/runtime-spec/blob/v1.0.2/config-linux.md#devices */
export interface OciDevice {
  readonly path: string;
  readonly type: 'c' | 'b';
  readonly major: number;
  readonly minor: number;
  readonly fileMode: number;
  readonly uid: number;
  readonly gid: number;
}

/** A whole config.json. */
export interface OciSpec {
  readonly ociVersion: '1.0.2';
  readonly process: OciProcess;
  readonly root: { readonly path: string; readonly readonly: boolean };
  readonly hostname: string;
  readonly mounts: readonly OciMount[];
  readonly linux: OciLinux;
}
