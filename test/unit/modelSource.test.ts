import * as assert from 'assert';
import { LensError } from '../../src/common/errors';
import { hubRevisionCacheDir, resolveModelSource, revisionProblem } from '../../src/common/modelSource';
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

  it('names the host a download would contact when it refuses a Hub id', () => {
    const refusal = (values: Record<string, unknown>) => {
      try {
        resolveModelSource(settings({ model: 'Xenova/tiny-random', ...values }), paths);
      } catch (error) {
        assert.ok(error instanceof LensError && error.code === 'DOWNLOAD_NOT_ALLOWED', String(error));
        return error.message;
      }
      return assert.fail('expected DOWNLOAD_NOT_ALLOWED');
    };
    assert.match(refusal({}), /from huggingface\.co\b/);
    assert.match(refusal({ hubUrl: 'http://127.0.0.1:1234/' }), /from 127\.0\.0\.1:1234\b/);
    assert.match(refusal({ hubUrl: 'https://mirror.example.org/hf' }), /from mirror\.example\.org\b/);
  });

  it('refuses a hub address that is not http(s) with a host, naming the setting', () => {
    for (const hubUrl of ['file:///etc', 'ftp://mirror.example.org', 'javascript:alert(1)', 'huggingface.co', 'https://user:secret@huggingface.co', 'https://huggingface.co/?x=1']) {
      for (const allowDownloads of [false, true]) {
        assert.throws(
          () => resolveModelSource(settings({ model: 'org/name', hubUrl, allowDownloads }), paths),
          (error: unknown) => error instanceof LensError && error.code === 'MODEL_NOT_FOUND' && /attentionLens\.hubUrl/.test(error.message),
          hubUrl,
        );
      }
    }
    // A folder model never uses the hub, so a bad address does not stop it.
    assert.strictEqual(resolveModelSource(settings({ model: '/data/m', hubUrl: 'file:///etc' }), paths).kind, 'folder');
  });

  it('never takes a network (UNC) path for a local folder, on any platform', () => {
    for (const model of ['\\\\host\\share\\model', '//host/share/model', '\\\\?\\UNC\\host\\share\\model', '\\\\.\\pipe\\x', '\\/host/share', '/\\host\\share']) {
      assert.throws(
        () => resolveModelSource(settings({ model }), paths),
        (error: unknown) => error instanceof LensError && error.code === 'MODEL_NOT_FOUND' && /network path/.test(error.message) && /attentionLens\.model/.test(error.message),
        model,
      );
    }
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

  it('resolves real Hub revisions: branches, tags, refs/pr/N, commit hashes', () => {
    for (const revision of ['main', 'v2.0.1', 'release_candidate-3', 'refs/pr/3', 'refs/convert/parquet', 'feature/onnx-int8', '0123456789abcdef0123456789abcdef01234567']) {
      const source = resolveModelSource(settings({ model: `org/name@${revision}`, allowDownloads: true }), paths);
      assert.strictEqual(source.kind === 'hub' && source.revision, revision);
    }
    const plain = resolveModelSource(settings({ model: 'org/name', allowDownloads: true }), paths);
    assert.strictEqual(plain.kind === 'hub' && plain.revision, 'main');
  });

  it('refuses a revision that is not a plain branch, tag or commit, naming the setting, with downloads on or off', () => {
    const bad = [
      '../../x', '..', '.', 'a/../b', 'refs/pr/../../../etc', 'a..b', '/main', 'main/', 'a//b', '', 'a\\b', '..\\..\\x',
      'a%2F..%2Fb', '%2e%2e', 'ma\u0000in', 'ma\nin', 'ma\u007fin', 'v 1', 'v1~1', 'v1^', 'a:b', 'a?b', 'a*b', 'a[b', 'a@{1}', 'a@b',
      '.hidden', 'refs/.x', '-rf', 'v1.', 'branch.lock', 'refs/heads/x.lock', 'café', 'x'.repeat(201),
    ];
    for (const revision of bad) {
      assert.ok(revisionProblem(revision), `${JSON.stringify(revision)} was accepted`);
      for (const allowDownloads of [false, true]) {
        assert.throws(
          () => resolveModelSource(settings({ model: `org/name@${revision}`, allowDownloads }), paths),
          (error: unknown) => error instanceof LensError && error.code === 'MODEL_NOT_FOUND' && /attentionLens\.model/.test(error.message) && /revision/.test(error.message),
          JSON.stringify(revision),
        );
      }
    }
  });

  it('refuses Hub ids whose parts could step out of a folder', () => {
    for (const model of ['org/..', 'org/.', '../name', 'org/.name', 'org/name.', 'org/na..me', 'org/na--me', 'org/name.git', 'a/b/c@main', 'org/', '@main']) {
      assert.throws(
        () => resolveModelSource(settings({ model, allowDownloads: true }), paths),
        (error: unknown) => error instanceof LensError && error.code === 'MODEL_NOT_FOUND',
        model,
      );
    }
  });

  it('gives every hub address and revision its own cache folder, directly inside the cache', () => {
    const folders = new Set<string>();
    for (const hubUrl of ['https://huggingface.co', 'http://127.0.0.1:1234']) {
      for (const revision of ['main', 'Main', 'v2', 'V2', 'refs/pr/3', 'refs', 'onnx']) {
        const folder = hubRevisionCacheDir('/storage/models', hubUrl, revision);
        assert.strictEqual(folder.split('/').slice(0, 3).join('/'), '/storage/models');
        assert.match(folder.slice('/storage/models/'.length), /^rev-[0-9a-f]{32}$/);
        folders.add(folder.toLowerCase()); // apart even on a case-insensitive disk
      }
    }
    assert.strictEqual(folders.size, 14);
    assert.strictEqual(hubRevisionCacheDir('/c', 'https://huggingface.co', 'v2'), hubRevisionCacheDir('/c', 'https://huggingface.co', 'v2'));
  });

  it('rejects something that is neither', () => {
    assert.throws(
      () => resolveModelSource(settings({ model: 'relative/path/to/model' }), paths),
      (error: unknown) => error instanceof LensError && error.code === 'MODEL_NOT_FOUND',
    );
  });
});
