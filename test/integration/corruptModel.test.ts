// A damaged model folder set over the model that serves, in a real VS Code: the status keeps naming
// the model that serves, its error says what could not be loaded and that the old model is still
// used, and setting the good folder back clears the error.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { activateLens, waitForState, type LensApi } from './lensApi';

const lens = () => vscode.workspace.getConfiguration('attentionLens');

describe('a damaged model folder over the model that serves', function () {
  this.timeout(180_000);
  let api: LensApi;
  let scratch: string;
  let modelBefore: string | undefined;

  before(async () => {
    api = await activateLens();
    await waitForState(api, (s) => s.state === 'ready', 120_000, 'the model ready');
    modelBefore = lens().inspect<string>('model')?.workspaceValue;
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lens-corrupt-integration-'));
  });

  after(async () => {
    await lens().update('model', modelBefore, vscode.ConfigurationTarget.Workspace);
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('keeps the old model ready and named, says "Still using", and clears the error when the good folder is back', async () => {
    const serving = api.getState();
    const location = serving.info?.location;
    assert.ok(location && fs.statSync(location).isDirectory(), `the suite's model is a folder: ${String(location)}`);
    const damaged = path.join(scratch, 'damaged-model');
    fs.cpSync(location, damaged, { recursive: true });
    fs.rmSync(path.join(damaged, 'config.json'));
    execFileSync('mkfifo', [path.join(damaged, 'config.json')]);

    const started = Date.now();
    const told = waitForState(api, (s) => s.error !== undefined && s.error.includes('damaged-model'), 30_000, 'the failed load reported');
    await lens().update('model', damaged, vscode.ConfigurationTarget.Workspace);
    const state = await told;
    assert.deepStrictEqual([state.state, state.modelName, state.errorCode], ['ready', serving.modelName, 'MODEL_INVALID'], state.error);
    assert.match(state.error ?? '', /config\.json is a named pipe \(FIFO\).* Still using /);
    assert.ok(Date.now() - started < 30_000);

    await lens().update('model', modelBefore, vscode.ConfigurationTarget.Workspace);
    const back = await waitForState(api, (s) => s.state === 'ready' && s.error === undefined, 120_000, 'the good model again');
    assert.strictEqual(back.modelName, serving.modelName);
  });
});
