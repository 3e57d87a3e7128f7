import * as assert from 'assert';
import { BACKENDS, DTYPES } from '../../src/common/deviceChoices';
import { backendRecord, backendRecords } from '../../src/worker/backendTable';

describe('backend table', () => {
  it('has one record per backend the protocol names, under its own name', () => {
    assert.deepStrictEqual(backendRecords().map((record) => record.backend), [...BACKENDS]);
    for (const backend of BACKENDS) assert.strictEqual(backendRecord(backend).backend, backend);
  });

  it('pins what each backend is', () => {
    const facts = backendRecords().map((r) => [r.backend, r.build, r.transformersDevice, r.preferredDtypes.join('>'), r.keepsKvCache, r.cpuKernels, r.fallback ?? '-']);
    assert.deepStrictEqual(facts, [
      ['cpu', 'native', 'cpu', 'q8>fp32', true, true, '-'],
      ['wasm', 'wasm', 'auto', 'q8>fp32', true, true, '-'],
      ['webgpu', 'native', 'webgpu', 'fp32>q8', false, false, 'cpu'],
    ]);
  });

  it('lets every backend try every dtype, and falls back only within its runtime build', () => {
    for (const record of backendRecords()) {
      assert.deepStrictEqual([...record.preferredDtypes].sort(), [...DTYPES].sort(), record.backend);
      if (record.fallback) {
        assert.strictEqual(backendRecord(record.fallback).build, record.build, `${record.backend} falls back across runtime builds`);
        assert.strictEqual(backendRecord(record.fallback).fallback, undefined, 'a fallback that falls back again could loop');
      }
    }
  });
});
