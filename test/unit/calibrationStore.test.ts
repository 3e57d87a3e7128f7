import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CalibrationStore, calibrationKey } from '../../src/worker/calibrationStore';

describe('CalibrationStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lens-calibration-store-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const result = { webgpuTokensPerSecond: 400, cpuTokensPerSecond: 200, measuredAt: '2026-11-27' };

  it('keeps a calibration per adapter and weights file, across instances, in a folder it creates', () => {
    const file = path.join(dir, 'globalStorage', 'backend-calibration.json');
    const key = calibrationKey('nvidia hopper H100', '/models/m', 68_000_000);
    new CalibrationStore(file).set(key, result);
    assert.deepStrictEqual(new CalibrationStore(file).get(key), result);
    assert.strictEqual(new CalibrationStore(file).get(calibrationKey('nvidia hopper H100', '/models/m', 68_000_001)), undefined, 'another file size is another model');
    assert.deepStrictEqual(fs.readdirSync(path.dirname(file)), ['backend-calibration.json'], 'no temporary file left');
  });

  it('treats a damaged or foreign file as empty, and overwrites it on the next calibration', () => {
    const file = path.join(dir, 'backend-calibration.json');
    for (const text of ['{not json', '[]', '{"version":2,"entries":{}}', '{"version":1,"entries":{"k":{"webgpuTokensPerSecond":"fast"}}}']) {
      fs.writeFileSync(file, text);
      assert.strictEqual(new CalibrationStore(file).get('k'), undefined, text);
    }
    new CalibrationStore(file).set('k', result);
    assert.deepStrictEqual(new CalibrationStore(file).get('k'), result);
  });

  it('keeps nothing without a file, and keeps the newest 64 entries', () => {
    const none = new CalibrationStore(undefined);
    none.set('k', result);
    assert.strictEqual(none.get('k'), undefined);
    const file = path.join(dir, 'backend-calibration.json');
    const store = new CalibrationStore(file);
    for (let i = 0; i < 70; i++) store.set(`k${i}`, result);
    assert.strictEqual(store.get('k5'), undefined);
    assert.deepStrictEqual(store.get('k69'), result);
    assert.strictEqual(Object.keys((JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: object }).entries).length, 64);
  });
});
