import * as assert from 'assert';
import { LensError } from '../../src/common/errors';
import { resolveModelSource } from '../../src/common/modelSource';
import { readSettings } from '../../src/common/settings';

const paths = { extensionPath: '/ext', globalStoragePath: '/storage' };
const settings = (values: Record<string, unknown>) => readSettings((key) => values[key]);

describe('resolveModelSource', () => {
  it('uses the bundled model when the setting is empty', () => {
    assert.deepStrictEqual(resolveModelSource(settings({}), paths), {
      kind: 'folder',
      path: '/ext/models/lens-coder',
      displayName: 'lens-coder',
    });
  });

  it('uses an absolute folder as it is', () => {
    const source = resolveModelSource(settings({ model: '/data/models/my-model/' }), paths);
    assert.deepStrictEqual(source, { kind: 'folder', path: '/data/models/my-model/', displayName: 'my-model' });
  });

  it('refuses a Hub id while downloads are off, with the code that offers to allow them', () => {
    assert.throws(
      () => resolveModelSource(settings({ model: 'Xenova/tiny-random' }), paths),
      (error: unknown) => error instanceof LensError && error.code === 'DOWNLOAD_NOT_ALLOWED' && /allowDownloads/.test(error.message),
    );
  });

  it('resolves a Hub id with revision into the global storage cache when allowed', () => {
    const source = resolveModelSource(settings({ model: 'org/name@v2', allowDownloads: true, hubUrl: 'http://127.0.0.1:1234' }), paths);
    assert.deepStrictEqual(source, {
      kind: 'hub',
      modelId: 'org/name',
      revision: 'v2',
      hubUrl: 'http://127.0.0.1:1234',
      cacheDir: '/storage/models',
    });
  });

  it('rejects something that is neither', () => {
    assert.throws(
      () => resolveModelSource(settings({ model: 'relative/path/to/model' }), paths),
      (error: unknown) => error instanceof LensError && error.code === 'MODEL_NOT_FOUND',
    );
  });
});
