/** Assertions uvu lacks. */
import * as assert from 'uvu/assert';

/** Asserts that `p` rejects with an error matching `expected` (a message pattern or a predicate). */
export async function rejects(p: Promise<unknown>, expected: RegExp | ((err: unknown) => boolean)): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    const ok = expected instanceof RegExp ? expected.test(err instanceof Error ? err.message : String(err)) : expected(err);
    assert.ok(ok, `unexpected error: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    return err;
  }
  assert.unreachable('expected a rejection');
  return undefined;
}
