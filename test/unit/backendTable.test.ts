import * as assert from 'assert';
import { BACKENDS, DTYPES, type Backend } from '../../src/common/deviceChoices';
import { backendRecord, backendRecords, registerBackend } from '../../src/worker/backendTable';

describe('backend table', () => {
  it('has one record per backend the protocol names, under its own name', () => {
    assert.deepStrictEqual(backendRecords().map((record) => record.backend), [...BACKENDS]);
    for (const backend of BACKENDS) assert.strictEqual(backendRecord(backend).backend, backend);
  });

  it('pins what each backend is', () => {
    const facts = backendRecords().map((r) => [r.backend, r.build, r.transformersDevice, r.preferredDtypes.join('>'), r.keepsKvCache, r.cpuKernels, r.fallback ?? '-', r.whenRuntimeMissing ?? '-', (r.platforms ?? ['any']).join(',')]);
    assert.deepStrictEqual(facts, [
      ['cpu', 'native', 'cpu', 'q8>int8>uint8>q4>fp32>bnb4>q4f16>fp16', true, true, '-', '-', 'any'],
      ['wasm', 'wasm', 'auto', 'q8>int8>uint8>q4>fp32>bnb4>q4f16>fp16', true, true, '-', '-', 'any'],
      ['webgpu', 'native', 'webgpu', 'fp32>fp16>q4f16>q4>bnb4>q8>int8>uint8', false, false, 'cpu', 'wasm', 'any'],
      ['dml', 'native', 'dml', 'fp32>fp16>q4f16>q4>bnb4>q8>int8>uint8', false, false, 'cpu', 'wasm', 'win32'],
    ]);
  });

  it('lets every backend try every dtype, and falls back only within its runtime build', () => {
    for (const record of backendRecords()) {
      assert.deepStrictEqual([...record.preferredDtypes].sort(), [...DTYPES].sort(), record.backend);
      if (record.fallback) {
        assert.strictEqual(backendRecord(record.fallback).build, record.build, `${record.backend} falls back across runtime builds`);
        assert.strictEqual(backendRecord(record.fallback).fallback, undefined, 'a fallback that falls back again could loop');
      }
      if (record.whenRuntimeMissing) assert.notStrictEqual(backendRecord(record.whenRuntimeMissing).build, record.build, `${record.backend} stands in a backend on the same missing build`);
    }
  });

  it('refuses a second record under a name it holds, and forgets a registered one when asked', () => {
    assert.throws(() => registerBackend({ ...backendRecord('cpu') }), /already holds cpu/);
    const name = 'stand-in' as Backend;
    const unregister = registerBackend({ ...backendRecord('cpu'), backend: name });
    assert.strictEqual(backendRecord(name).build, 'native');
    unregister();
    assert.throws(() => backendRecord(name), /No backend named stand-in/);
  });
});
