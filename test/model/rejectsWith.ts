/** The model tests' check that a promise fails with one LensError code. */

import * as assert from 'assert';
import { LensError } from '../../src/common/errors';

/** Awaits `promise`, expecting a LensError of `code`; returns it for further checks of its message. */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<LensError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof LensError, `expected a LensError, got ${String(error)}`);
    assert.strictEqual(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}`);
}
