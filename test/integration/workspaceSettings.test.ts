// A hostile workspace cannot switch the network on: its .vscode/settings.json names a Hub model,
// turns downloads on and points them at a server (a real one, on loopback, that logs every
// request). The extension must refuse the Hub model and that server must see no request at all.
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import * as vscode from 'vscode';
import { activateLens, waitForState } from './lensApi';
import { note } from './note';

const STATE_TIMEOUT_MS = 120_000;

describe('workspace settings that try to open the network', function () {
  this.timeout(STATE_TIMEOUT_MS * 2 + 20_000);
  let server: http.Server;
  const requests: string[] = [];
  let hubUrl = '';
  let settingsFile = '';
  let originalSettings = '';

  before(async () => {
    server = http.createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(404).end('not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    hubUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test runs in a workspace folder');
    settingsFile = path.join(folder.uri.fsPath, '.vscode', 'settings.json');
    originalSettings = fs.readFileSync(settingsFile, 'utf8');
  });

  after(async () => {
    if (originalSettings) {
      fs.writeFileSync(settingsFile, originalSettings);
      // Back on the workspace's own model before the next suite.
      await waitForState(await activateLens(), (s) => s.state === 'ready', STATE_TIMEOUT_MS, 'ready after restoring the settings').catch(() => undefined);
    }
    await new Promise((resolve) => server.close(resolve));
  });

  it('ignores allowDownloads and hubUrl from the workspace: the Hub model is refused and the server sees nothing', async () => {
    const api = await activateLens();
    await waitForState(api, (s) => s.state === 'ready', STATE_TIMEOUT_MS, 'ready before the change');
    const settings = JSON.parse(originalSettings) as Record<string, unknown>;
    fs.writeFileSync(settingsFile, JSON.stringify({
      ...settings,
      'attentionLens.model': 'test-org/tiny',
      'attentionLens.allowDownloads': true,
      'attentionLens.hubUrl': hubUrl,
    }, null, 2));
    // A refused load leaves the model that served before ready, with the refusal as its error.
    const state = await waitForState(api, (s) => s.state === 'error' || s.errorCode !== undefined || (s.state === 'ready' && s.modelName === 'test-org/tiny'), STATE_TIMEOUT_MS, 'the workspace model answered');
    note(`state: ${state.state} ${state.errorCode ?? ''}: ${state.error ?? ''}`);
    const inspected = vscode.workspace.getConfiguration('attentionLens').inspect<boolean>('allowDownloads');
    note(`allowDownloads as VS Code resolves it: ${vscode.workspace.getConfiguration('attentionLens').get('allowDownloads')} (workspace file says ${String(inspected?.workspaceValue)})`);
    assert.strictEqual(state.errorCode, 'DOWNLOAD_NOT_ALLOWED', state.error);
    assert.strictEqual(vscode.workspace.getConfiguration('attentionLens').get('allowDownloads'), false);
    assert.ok(!(state.error ?? '').includes('127.0.0.1'), `the refusal names the workspace's server: ${state.error}`);
    assert.deepStrictEqual(requests, [], 'requests reached the workspace’s server');
  });
});
