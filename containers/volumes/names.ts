/**
 * Volume names, as docker's local driver takes them: a letter or digit,
 * then letters, digits, `_`, `.` or `-` (at least two characters). A name
 * never holds `/` and never starts with `.`, so it is one safe path
 * component under `<root>/volumes/`. Anonymous volumes get 64 hex digits.
 * https://github.com/moby/moby/blob/master/volume/local/local.go (validateName)
 */
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '../../util/errors.js';

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Returns `name` when it is a valid volume name; throws InvalidArgumentError naming it otherwise. */
export function checkVolumeName(name: string): string {
  if (!VOLUME_NAME.test(name)) {
    throw new InvalidArgumentError(
      `${JSON.stringify(name)} includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed (at least two characters); to bind a host directory, give an absolute path`,
    );
  }
  return name;
}

/** A fresh anonymous volume's name (docker's: 64 hex digits). */
export function anonymousVolumeName(): string {
  return randomBytes(32).toString('hex');
}
