// The Document CodeLens is not offered in a secret file (the command would refuse it anyway),
// while the same code in an ordinary file gets one.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { activateLens, waitForState } from './lensApi';

const CODE = "function deployToken() {\n  return 'sk-test-not-real';\n}\n";

describe('the Document CodeLens and secret files', function () {
  this.timeout(180_000);
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'attention-lens-secret-lens-'));
  const plain = path.join(folder, 'deploy.js');
  const secret = path.join(folder, 'secrets.js');
  const disposables: vscode.Disposable[] = [];

  before(async () => {
    for (const file of [plain, secret]) fs.writeFileSync(file, CODE);
    // The symbols a language server would report: one function over the three lines.
    disposables.push(
      vscode.languages.registerDocumentSymbolProvider({ scheme: 'file', pattern: new vscode.RelativePattern(vscode.Uri.file(folder), '*') }, {
        provideDocumentSymbols: () => {
          const range = new vscode.Range(0, 0, 2, 1);
          return [new vscode.DocumentSymbol('deployToken', '', vscode.SymbolKind.Function, range, range)];
        },
      }),
    );
    await waitForState(await activateLens(), (s) => s.state === 'ready', 120_000, 'ready');
    await vscode.workspace.getConfiguration('attentionLens').update('docComments.codeLens', true, vscode.ConfigurationTarget.Workspace);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('attentionLens').update('docComments.codeLens', undefined, vscode.ConfigurationTarget.Workspace);
    disposables.forEach((d) => d.dispose());
    fs.rmSync(folder, { recursive: true, force: true });
  });

  const documentLenses = async (file: string): Promise<vscode.CodeLens[]> => {
    const document = await vscode.workspace.openTextDocument(file); // the command takes open documents only
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri, 10);
    return (lenses ?? []).filter((lens) => lens.command?.command === 'attentionLens.generateDocComment');
  };

  it('offers Document above the function in an ordinary file', async () => {
    // VS Code's own JavaScript support may report the function too: one lens or more.
    assert.ok((await documentLenses(plain)).length >= 1, 'no Document lens in deploy.js');
  });

  it('offers nothing in secrets.js', async () => {
    assert.deepStrictEqual(await documentLenses(secret), []);
  });
});
