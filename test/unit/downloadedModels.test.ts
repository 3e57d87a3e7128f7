import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatBytes, localModelFolderProblem, modelCacheDir, scanDownloadedModels } from '../../src/common/downloadedModels';
import { hubRevisionCacheDir, resolveModelSource } from '../../src/common/modelSource';
import { DEFAULT_HUB_URL, readSettings } from '../../src/common/settings';
import { wholeModel, writeTree } from './cacheTree';

const repo = path.resolve(__dirname, '../../..');
const fixture = path.join(repo, 'test/fixtures/tiny-model');
const MIRROR = 'http://127.0.0.1:9/mirror';

describe('downloaded models: the cache scan', () => {
  let scratch: string;
  let cacheDir: string;
  const day = (n: number) => new Date(Date.UTC(2026, 10, n, 12));

  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lens-downloaded-'));
    cacheDir = modelCacheDir(path.join(scratch, 'storage'));
    const main = hubRevisionCacheDir(cacheDir, DEFAULT_HUB_URL, 'main');
    // Main: a whole model with a partial fp32 file beside it, and a second model in the same revision folder.
    writeTree(path.join(main, 'Xenova/tiny'), { ...wholeModel(1000), 'onnx/model.onnx.tmp.4242.k3j9x': Buffer.alloc(50_000), 'onnx/model_fp16.onnx.partial': Buffer.alloc(7000) }, day(3));
    fs.utimesSync(path.join(main, 'Xenova/tiny/onnx/model_q4.onnx'), day(5), day(5));
    writeTree(path.join(main, 'owner/other'), wholeModel(2000), day(1));
    // Only partial weights: not a model yet.
    writeTree(path.join(main, 'owner/halfway'), { 'config.json': '{}', 'tokenizer.json': '{}', 'onnx/model_q4.onnx.tmp.7.a1': Buffer.alloc(10) }, day(6));
    // No tokenizer: not whole either.
    writeTree(path.join(main, 'owner/notokenizer'), { 'config.json': '{}', 'onnx/model.onnx': Buffer.alloc(10) }, day(6));
    // Names that are no Hub id.
    writeTree(path.join(main, 'bad--owner/x'), wholeModel(10), day(6));
    writeTree(path.join(main, '.git/x'), wholeModel(10), day(6));
    // A nested revision, and one downloaded through a mirror.
    writeTree(path.join(hubRevisionCacheDir(cacheDir, DEFAULT_HUB_URL, 'refs/pr/3'), 'a/b/refs/pr/3'), wholeModel(300), day(2));
    writeTree(path.join(hubRevisionCacheDir(cacheDir, MIRROR, 'main'), 'm/x'), wholeModel(400), day(4));
    // Junk around the revision folders, and a link out of the cache.
    writeTree(cacheDir, { 'notes.txt': 'x', 'rev-short/a/b/config.json': '{}' }, day(6));
    writeTree(path.join(cacheDir, 'elsewhere/o/n'), wholeModel(10), day(6));
    fs.symlinkSync(path.join(cacheDir, 'elsewhere'), path.join(cacheDir, `rev-${'0'.repeat(32)}`), 'dir');
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('is the folder resolveModelSource gives Hub models', () => {
    const storage = path.join(scratch, 'storage');
    const source = resolveModelSource(readSettings((key) => ({ model: 'a/b', allowDownloads: true })[key]), { extensionPath: '/ext', globalStoragePath: storage });
    assert.strictEqual(source.kind === 'hub' && source.cacheDir, modelCacheDir(storage));
  });

  it('lists whole revisions newest first, with size on disk, date and weights, and skips partial files and junk', () => {
    const found = scanDownloadedModels(cacheDir, [DEFAULT_HUB_URL, MIRROR]);
    assert.deepStrictEqual(
      found.map((model) => [model.modelId, model.revision, model.bytes, model.downloadedAt.toISOString(), model.weightFiles, model.hubUrl]),
      [
        ['Xenova/tiny', 'main', 1031, day(5).toISOString(), ['model_q4.onnx'], DEFAULT_HUB_URL],
        ['m/x', 'main', 431, day(4).toISOString(), ['model_q4.onnx'], MIRROR],
        ['a/b', 'refs/pr/3', 331, day(2).toISOString(), ['model_q4.onnx'], DEFAULT_HUB_URL],
        ['owner/other', 'main', 2031, day(1).toISOString(), ['model_q4.onnx'], DEFAULT_HUB_URL],
      ],
    );
    assert.strictEqual(found[2].folder, path.join(hubRevisionCacheDir(cacheDir, DEFAULT_HUB_URL, 'refs/pr/3'), 'a', 'b', 'refs', 'pr', '3'));
  });

  it('leaves the hub address unset for a cache folder of an address not asked about', () => {
    const mirrored = scanDownloadedModels(cacheDir, [DEFAULT_HUB_URL]).find((model) => model.modelId === 'm/x');
    assert.ok(mirrored);
    assert.strictEqual(mirrored.hubUrl, undefined);
  });

  it('finds nothing in a missing or empty cache', () => {
    assert.deepStrictEqual(scanDownloadedModels(path.join(scratch, 'nowhere'), [DEFAULT_HUB_URL]), []);
    fs.mkdirSync(path.join(scratch, 'empty'));
    assert.deepStrictEqual(scanDownloadedModels(path.join(scratch, 'empty'), [DEFAULT_HUB_URL]), []);
  });

  it('writes sizes in decimal units as the Hub does', () => {
    assert.deepStrictEqual([formatBytes(512), formatBytes(18_544_166), formatBytes(1_960_000_000)], ['512 B', '18.5 MB', '1.96 GB']);
  });
});

describe('downloaded models: the local folder check', () => {
  let scratch: string;
  /** A copy of the tiny fixture with `change` applied. */
  const folderWith = (name: string, change: (folder: string) => void): string => {
    const folder = path.join(scratch, name);
    fs.cpSync(fixture, folder, { recursive: true });
    change(folder);
    return folder;
  };

  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lens-folder-check-'));
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('passes a model folder in the Hugging Face layout', () => {
    assert.strictEqual(localModelFolderProblem(fixture), undefined);
  });

  it('names the fault of a bad folder', () => {
    assert.match(localModelFolderProblem(path.join(scratch, 'missing')) ?? '', /does not exist/);
    assert.match(localModelFolderProblem(path.join(fixture, 'config.json')) ?? '', /is not a folder/);
    const noConfig = folderWith('no-config', (folder) => fs.rmSync(path.join(folder, 'config.json')));
    assert.match(localModelFolderProblem(noConfig) ?? '', /config\.json is missing from the model folder/);
    const badConfig = folderWith('bad-config', (folder) => fs.writeFileSync(path.join(folder, 'config.json'), '{ "model_type": '));
    assert.match(localModelFolderProblem(badConfig) ?? '', /config\.json is not valid JSON/);
    const arrayTokenizer = folderWith('array-tokenizer', (folder) => fs.writeFileSync(path.join(folder, 'tokenizer.json'), '[1, 2]'));
    assert.match(localModelFolderProblem(arrayTokenizer) ?? '', /tokenizer\.json is not a JSON object/);
    const noVocabulary = folderWith('no-vocabulary', (folder) => fs.writeFileSync(path.join(folder, 'tokenizer.json'), '{"version": "1.0"}'));
    assert.match(localModelFolderProblem(noVocabulary) ?? '', /tokenizer\.json has no "model" section/);
    const noWeights = folderWith('no-weights', (folder) => fs.rmSync(path.join(folder, 'onnx'), { recursive: true }));
    assert.match(localModelFolderProblem(noWeights) ?? '', /has no onnx\/model\*\.onnx weights file/);
    const truncated = folderWith('truncated', (folder) => {
      const weights = path.join(folder, 'onnx/model_quantized.onnx');
      fs.truncateSync(weights, Math.floor(fs.statSync(weights).size / 2));
    });
    assert.match(localModelFolderProblem(truncated) ?? '', /model_quantized\.onnx ends early/);
  });
});
