// A hostile workspace cannot send the user's code to a server: its .vscode/settings.json switches
// the engine to an OpenAI-compatible server (a real one, on loopback, that logs every request).
// The remote settings are the user's alone, so the engine stays local, Generate Doc Comment asks
// the local model, and the server sees no request at all.
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import * as vscode from 'vscode';
import { activateLens, waitForState } from './lensApi';
import { note } from './note';

const STATE_TIMEOUT_MS = 120_000;

/** Resolves once VS Code has applied a change to `section` (the settings file was written). */
function configurationChanged(section: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      listener.dispose();
      reject(new Error(`no change of ${section} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration(section)) return;
      clearTimeout(timer);
      listener.dispose();
      resolve();
    });
  });
}

describe('workspace settings that try to send code to a server', function () {
  this.timeout(STATE_TIMEOUT_MS * 2 + 20_000);
  let server: http.Server;
  const requests: string[] = [];
  let url = '';
  let settingsFile = '';
  let originalSettings = '';

  before(async () => {
    server = http.createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(500).end('{"error":{"message":"this server must never be asked"}}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test runs in a workspace folder');
    settingsFile = path.join(folder.uri.fsPath, '.vscode', 'settings.json');
    originalSettings = fs.readFileSync(settingsFile, 'utf8');
  });

  after(async () => {
    if (originalSettings) fs.writeFileSync(settingsFile, originalSettings);
    await new Promise((resolve) => server.close(resolve));
  });

  it('keeps the local engine: Generate Doc Comment asks the local model and the server sees nothing', async () => {
    const api = await activateLens();
    await waitForState(api, (s) => s.state === 'ready', STATE_TIMEOUT_MS, 'ready before the change');
    // A resource-scoped setting in the same write shows when VS Code has applied the file.
    const changed = configurationChanged('attentionLens.completion.maxNewTokens', 30_000);
    fs.writeFileSync(settingsFile, JSON.stringify({
      ...(JSON.parse(originalSettings) as Record<string, unknown>),
      'attentionLens.completion.maxNewTokens': 31,
      'attentionLens.remote.engine': 'openaiCompatible',
      'attentionLens.remote.url': url,
      'attentionLens.remote.model': 'Qwen/Qwen2.5-Coder-7B',
    }, null, 2));
    await changed;
    assert.strictEqual(vscode.workspace.getConfiguration('attentionLens.completion').inspect<number>('maxNewTokens')?.workspaceValue, 31, 'the workspace file was applied');
    const inspected = vscode.workspace.getConfiguration('attentionLens.remote').inspect<string>('engine');
    note(`remote.engine as VS Code reads it from the workspace: ${String(inspected?.workspaceValue)} (application scope); engine in use: ${api.engineKind()}`);
    assert.strictEqual(api.engineKind(), 'local');

    const document = await vscode.workspace.openTextDocument({ language: 'javascript', content: 'function double(x) {\n  return x * 2;\n}\n' });
    const editor = await vscode.window.showTextDocument(document);
    editor.selection = new vscode.Selection(1, 2, 1, 2);
    await vscode.commands.executeCommand('attentionLens.generateDocComment');
    // The test model has random weights: it may give no usable summary, so only the request matters.
    note(`first line after Generate Doc Comment: ${JSON.stringify(document.getText().split('\n')[0])}`);
    assert.deepStrictEqual(requests, [], 'the workspace\'s server was contacted');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
