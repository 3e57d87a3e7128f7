import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { modelCacheDir, scanDownloadedModels } from '../../src/common/downloadedModels';
import { LensError } from '../../src/common/errors';
import { bytesOnDisk, deleteCachedModelFolder, isModelInUse, PartialDeletionError, scanIncompleteDownloads } from '../../src/common/modelDeletion';
import { hubRevisionCacheDir } from '../../src/common/modelSource';
import { DEFAULT_HUB_URL } from '../../src/common/settings';
import { wholeModel, writeTree } from './cacheTree';

const MIRROR = 'http://127.0.0.1:9/mirror';

/** Asserts that `promise` rejects with a LensError refusing the deletion. */
async function assertRefused(promise: Promise<unknown>, why: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof LensError && error.code === 'BAD_REQUEST' && /^Refused to delete/.test(error.message) && why.test(error.message));
}

describe('model deletion', () => {
  let scratch: string;
  let cacheDir: string;
  let mainDir: string;
  let outside: string;
  const rev = (revision: string, hubUrl = DEFAULT_HUB_URL) => hubRevisionCacheDir(cacheDir, hubUrl, revision);

  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lens-deletion-'));
    cacheDir = modelCacheDir(path.join(scratch, 'storage'));
    mainDir = rev('main');
    // Two models in one revision folder; the first with a cut-off fp32 download beside its q4 weights.
    writeTree(path.join(mainDir, 'Xenova/tiny'), { ...wholeModel(1000), 'onnx/model.onnx.tmp.4242.k3j9x': Buffer.alloc(5000) });
    writeTree(path.join(mainDir, 'owner/other'), wholeModel(2000));
    writeTree(path.join(rev('refs/pr/3'), 'Xenova/tiny/refs/pr/3'), wholeModel(300));
    // Files a deletion must never reach.
    outside = path.join(scratch, 'outside');
    writeTree(outside, { 'keep.txt': 'precious', 'o/n/config.json': '{}' });
  });
  afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

  describe('deleteCachedModelFolder', () => {
    it('deletes the model folder, partial files and all, and counts the bytes freed', async () => {
      const freed = await deleteCachedModelFolder(cacheDir, path.join(mainDir, 'Xenova/tiny'));
      assert.strictEqual(freed, 11 + 20 + 1000 + 5000);
      assert.ok(!fs.existsSync(path.join(mainDir, 'Xenova/tiny')));
      // The owner folder it left empty goes too; the other model in the revision folder stays whole.
      assert.ok(!fs.existsSync(path.join(mainDir, 'Xenova')));
      assert.deepStrictEqual(fs.readdirSync(mainDir), ['owner']);
      assert.strictEqual(bytesOnDisk(path.join(mainDir, 'owner/other')), 2031);
      // Another revision of the same model is another folder and is kept.
      assert.strictEqual(bytesOnDisk(path.join(rev('refs/pr/3'), 'Xenova/tiny/refs/pr/3')), 331);
      assert.deepStrictEqual(scanDownloadedModels(cacheDir, [DEFAULT_HUB_URL]).map((model) => `${model.modelId}@${model.revision}`).sort(), ['Xenova/tiny@refs/pr/3', 'owner/other@main']);
    });

    it('prunes every parent left empty up to the revision folder, and keeps the cache folder', async () => {
      const freed = await deleteCachedModelFolder(cacheDir, path.join(rev('refs/pr/3'), 'Xenova', 'tiny', 'refs', 'pr', '3'));
      assert.strictEqual(freed, 331);
      assert.ok(!fs.existsSync(rev('refs/pr/3')));
      await deleteCachedModelFolder(cacheDir, path.join(mainDir, 'Xenova/tiny'));
      await deleteCachedModelFolder(cacheDir, path.join(mainDir, 'owner/other'));
      assert.ok(!fs.existsSync(mainDir));
      assert.deepStrictEqual(fs.readdirSync(cacheDir), []);
    });

    it('stops pruning at a parent that still holds something', async () => {
      writeTree(path.join(rev('refs/pr/3'), 'Xenova/tiny/refs'), { 'stray.txt': 'x' });
      await deleteCachedModelFolder(cacheDir, path.join(rev('refs/pr/3'), 'Xenova/tiny/refs/pr/3'));
      assert.deepStrictEqual(fs.readdirSync(path.join(rev('refs/pr/3'), 'Xenova/tiny/refs')), ['stray.txt']);
    });

    it('works through a cache folder that is itself behind a link', async () => {
      const linkedStorage = path.join(scratch, 'linked-models');
      fs.symlinkSync(cacheDir, linkedStorage, 'dir');
      const freed = await deleteCachedModelFolder(linkedStorage, path.join(linkedStorage, path.basename(mainDir), 'owner/other'));
      assert.strictEqual(freed, 2031);
      assert.ok(!fs.existsSync(path.join(mainDir, 'owner/other')));
    });

    it('refuses a revision folder that is a link out of the cache, and deletes nothing there', async () => {
      const linked = path.join(cacheDir, `rev-${'0'.repeat(32)}`);
      fs.symlinkSync(outside, linked, 'dir');
      await assertRefused(deleteCachedModelFolder(cacheDir, path.join(linked, 'o/n')), /is a link/);
      assert.strictEqual(fs.readFileSync(path.join(outside, 'keep.txt'), 'utf8'), 'precious');
      assert.ok(fs.existsSync(path.join(outside, 'o/n/config.json')));
    });

    it('refuses a model or revision folder that is a link out of the cache', async () => {
      fs.mkdirSync(path.join(mainDir, 'evil'));
      fs.symlinkSync(path.join(outside, 'o/n'), path.join(mainDir, 'evil/model'), 'dir');
      await assertRefused(deleteCachedModelFolder(cacheDir, path.join(mainDir, 'evil/model')), /is a link/);
      fs.mkdirSync(path.join(rev('v2'), 'a/b'), { recursive: true });
      fs.symlinkSync(outside, path.join(rev('v2'), 'a/b/v2'), 'dir');
      await assertRefused(deleteCachedModelFolder(cacheDir, path.join(rev('v2'), 'a/b/v2')), /is a link/);
      assert.ok(fs.existsSync(path.join(outside, 'o/n/config.json')));
      assert.strictEqual(fs.readFileSync(path.join(outside, 'keep.txt'), 'utf8'), 'precious');
    });

    it('deletes a link inside a model folder without following it', async () => {
      fs.symlinkSync(outside, path.join(mainDir, 'owner/other/onnx/linked'), 'dir');
      const freed = await deleteCachedModelFolder(cacheDir, path.join(mainDir, 'owner/other'));
      assert.strictEqual(freed, 2031);
      assert.ok(!fs.existsSync(path.join(mainDir, 'owner/other')));
      assert.strictEqual(fs.readFileSync(path.join(outside, 'keep.txt'), 'utf8'), 'precious');
    });

    it('refuses a path outside the cache, one that climbs out with "..", and the cache or a revision folder itself', async () => {
      await assertRefused(deleteCachedModelFolder(cacheDir, path.join(outside, 'o/n')), /not inside/);
      await assertRefused(deleteCachedModelFolder(cacheDir, `${mainDir}${path.sep}..${path.sep}..${path.sep}outside`), /"\.\."/);
      // Even ".." that lands back inside the cache: the scan never names such a path.
      await assertRefused(deleteCachedModelFolder(cacheDir, path.join(mainDir, 'owner', 'x') + `${path.sep}..${path.sep}other`), /"\.\."/);
      await assertRefused(deleteCachedModelFolder(cacheDir, cacheDir), /not inside/);
      await assertRefused(deleteCachedModelFolder(cacheDir, mainDir), /no model folder/);
      await assertRefused(deleteCachedModelFolder(cacheDir, path.join(mainDir, 'owner')), /no model folder/);
      await assertRefused(deleteCachedModelFolder(cacheDir, path.join(cacheDir, 'elsewhere/o/n')), /no revision cache folder/);
      // A sibling folder whose name starts like the cache's is not inside it.
      writeTree(`${cacheDir}-other`, { [`rev-${'1'.repeat(32)}/o/n/config.json`]: '{}' });
      await assertRefused(deleteCachedModelFolder(cacheDir, path.join(`${cacheDir}-other`, `rev-${'1'.repeat(32)}`, 'o/n')), /not inside/);
      // Names no Hub id or revision could have.
      await assertRefused(deleteCachedModelFolder(cacheDir, path.join(mainDir, '.git/x')), /no model folder/);
      await assertRefused(deleteCachedModelFolder(cacheDir, path.join(mainDir, 'Xenova/tiny/.hidden')), /no revision/);
      assert.ok(fs.existsSync(path.join(outside, 'o/n/config.json')));
      assert.ok(fs.existsSync(path.join(mainDir, 'owner/other/config.json')));
      assert.ok(fs.existsSync(path.join(`${cacheDir}-other`, `rev-${'1'.repeat(32)}`, 'o/n/config.json')));
    });

    it('says a folder no longer exists', async () => {
      await assert.rejects(deleteCachedModelFolder(cacheDir, path.join(mainDir, 'gone/model')), (error: unknown) => error instanceof LensError && error.code === 'MODEL_NOT_FOUND' && /no longer exists/.test(error.message));
    });

    it('reports a folder only partly deleted with what was freed and what is left', async function () {
      const stuck = path.join(mainDir, 'owner/other/onnx/model_q4.onnx');
      // A file that cannot be removed: immutable for root (who ignores permissions), a read-only folder for anyone else.
      const isRoot = process.getuid?.() === 0;
      let undo: () => void;
      if (isRoot) {
        try {
          execFileSync('chattr', ['+i', stuck], { stdio: 'ignore' });
        } catch {
          this.skip(); // no chattr, or a file system without the immutable flag
        }
        undo = () => execFileSync('chattr', ['-i', stuck]);
      } else if (process.platform !== 'win32') {
        fs.chmodSync(path.dirname(stuck), 0o555);
        undo = () => fs.chmodSync(path.dirname(stuck), 0o755);
      } else {
        this.skip();
      }
      try {
        await assert.rejects(deleteCachedModelFolder(cacheDir, path.join(mainDir, 'owner/other')), (error: unknown) => {
          assert.ok(error instanceof PartialDeletionError, String(error));
          // config.json and tokenizer.json went; the 2000-byte weights stayed.
          assert.strictEqual(error.bytesFreed, 31);
          assert.match(error.message, /EPERM|EACCES/);
          assert.match(error.message, /31 B freed; 2 kB left there/);
          return true;
        });
        assert.ok(fs.existsSync(stuck));
      } finally {
        undo();
      }
      // The other model is untouched, and the stuck one can be deleted once its file is free.
      assert.strictEqual(bytesOnDisk(path.join(mainDir, 'Xenova/tiny')), 6031);
      assert.strictEqual(await deleteCachedModelFolder(cacheDir, path.join(mainDir, 'owner/other')), 2000);
    });
  });

  describe('scanIncompleteDownloads', () => {
    it('lists model folders without a whole model, with their bytes, partial files and revision', () => {
      const day = (n: number) => new Date(Date.UTC(2026, 10, n, 12));
      // Cancelled while the weights were coming: config and tokenizer whole, weights partial.
      writeTree(path.join(mainDir, 'owner/halfway'), { 'config.json': '{}', 'tokenizer.json': '{}', 'onnx/model_q4.onnx.tmp.7.a1': Buffer.alloc(700) }, day(3));
      // Cut off before config.json was whole, at another revision, through a mirror.
      writeTree(path.join(rev('v2', MIRROR), 'm/x/v2'), { 'config.json.partial': Buffer.alloc(40) }, day(5));
      // Whole files but no weights and nothing partial left: still no model.
      writeTree(path.join(rev('main', 'http://127.0.0.1:9/unknown'), 'u/k'), { 'config.json': '{}', 'tokenizer.json': '{}' }, day(4));
      // Empty folders hold nothing to reclaim.
      fs.mkdirSync(path.join(mainDir, 'owner/empty/onnx'), { recursive: true });
      // Not the cache's layout: skipped.
      writeTree(path.join(cacheDir, 'rev-short/a/b'), { 'x.partial': 'x' });
      writeTree(path.join(mainDir, 'bad--owner/x'), { 'x.partial': 'x' });
      fs.symlinkSync(outside, path.join(cacheDir, `rev-${'0'.repeat(32)}`), 'dir');

      const found = scanIncompleteDownloads(cacheDir, [DEFAULT_HUB_URL, MIRROR]);
      assert.deepStrictEqual(
        found.map((download) => [download.modelId, download.revision, download.hubUrl, download.folder, download.bytes, download.partialFiles, download.changedAt.toISOString()]),
        [
          ['m/x', 'v2', MIRROR, path.join(rev('v2', MIRROR), 'm/x'), 40, 1, day(5).toISOString()],
          ['u/k', undefined, undefined, path.join(rev('main', 'http://127.0.0.1:9/unknown'), 'u/k'), 4, 0, day(4).toISOString()],
          ['owner/halfway', 'main', DEFAULT_HUB_URL, path.join(mainDir, 'owner/halfway'), 704, 1, day(3).toISOString()],
        ],
      );
    });

    it('lists a folder that deleteCachedModelFolder then deletes, freeing the bytes it listed', async () => {
      writeTree(path.join(rev('refs/pr/9'), 'a/b/refs/pr/9'), { 'config.json': '{}', 'onnx/model.onnx.tmp.1.zz': Buffer.alloc(123) });
      const [download] = scanIncompleteDownloads(cacheDir, [DEFAULT_HUB_URL]);
      assert.strictEqual(download.revision, 'refs/pr/9');
      assert.strictEqual(await deleteCachedModelFolder(cacheDir, download.folder), download.bytes);
      assert.ok(!fs.existsSync(rev('refs/pr/9')));
      assert.deepStrictEqual(scanIncompleteDownloads(cacheDir, [DEFAULT_HUB_URL]), []);
    });

    it('leaves out a whole model with partial files beside it, whose bytesOnDisk counts them', () => {
      assert.deepStrictEqual(scanIncompleteDownloads(cacheDir, [DEFAULT_HUB_URL]), []);
      const tiny = scanDownloadedModels(cacheDir, [DEFAULT_HUB_URL]).find((model) => model.folder === path.join(mainDir, 'Xenova/tiny'));
      assert.strictEqual(tiny?.bytes, 1031);
      assert.strictEqual(bytesOnDisk(path.join(mainDir, 'Xenova/tiny')), 6031);
    });
  });

  describe('isModelInUse', () => {
    const hub = { hubUrl: DEFAULT_HUB_URL };
    const tinyMain = () => path.join(mainDir, 'Xenova/tiny');
    const tinyPr = () => path.join(rev('refs/pr/3'), 'Xenova/tiny/refs/pr/3');

    it('is the folder of the id the setting names, with or without @main', () => {
      assert.ok(isModelInUse(tinyMain(), cacheDir, { ...hub, model: 'Xenova/tiny' }));
      assert.ok(isModelInUse(tinyMain(), cacheDir, { ...hub, model: 'Xenova/tiny@main' }));
      assert.ok(isModelInUse(tinyMain(), cacheDir, { ...hub, model: '  Xenova/tiny@main ' }));
      assert.ok(!isModelInUse(tinyPr(), cacheDir, { ...hub, model: 'Xenova/tiny@main' }));
      assert.ok(!isModelInUse(path.join(mainDir, 'owner/other'), cacheDir, { ...hub, model: 'Xenova/tiny' }));
    });

    it('tells revisions apart', () => {
      assert.ok(isModelInUse(tinyPr(), cacheDir, { ...hub, model: 'Xenova/tiny@refs/pr/3' }));
      assert.ok(!isModelInUse(tinyMain(), cacheDir, { ...hub, model: 'Xenova/tiny@refs/pr/3' }));
      assert.ok(!isModelInUse(tinyMain(), cacheDir, { ...hub, model: 'Xenova/tiny@v2' }));
    });

    it('counts an incomplete download the setting names (it may be downloading now)', () => {
      assert.ok(isModelInUse(path.join(rev('refs/pr/3'), 'Xenova/tiny'), cacheDir, { ...hub, model: 'Xenova/tiny@refs/pr/3' }));
    });

    it('follows the hub address as the worker normalises it', () => {
      assert.ok(isModelInUse(tinyMain(), cacheDir, { model: 'Xenova/tiny', hubUrl: `${DEFAULT_HUB_URL}/` }));
      assert.ok(!isModelInUse(tinyMain(), cacheDir, { model: 'Xenova/tiny', hubUrl: MIRROR }));
      assert.ok(isModelInUse(path.join(rev('main', MIRROR), 'Xenova/tiny'), cacheDir, { model: 'Xenova/tiny', hubUrl: MIRROR }));
    });

    it('is a cache folder a local folder setting points into', () => {
      assert.ok(isModelInUse(tinyMain(), cacheDir, { ...hub, model: tinyMain() }));
      assert.ok(isModelInUse(tinyPr(), cacheDir, { ...hub, model: path.join(tinyPr(), 'onnx') }));
      assert.ok(!isModelInUse(tinyMain(), cacheDir, { ...hub, model: outside }));
    });

    it('is no folder for the bundled model or a setting the worker cannot load', () => {
      for (const model of ['', '   ', 'not a model', 'Xenova/tiny@bad..rev', '//host/share/model']) {
        assert.ok(!isModelInUse(tinyMain(), cacheDir, { ...hub, model }), model);
      }
      assert.ok(!isModelInUse(tinyMain(), cacheDir, { model: 'Xenova/tiny', hubUrl: 'ftp://nope' }));
    });
  });
});
