// Toggle Completions flips what the user actually gets in the editor's file: it writes where the
// value in effect comes from (the workspace, a `[plaintext]` block) and the user settings only when
// nothing more specific is set. Also: every command package.json contributes is registered.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { activateLens, EXTENSION_ID } from './lensApi';
import { note } from './note';

const SECTION = 'attentionLens.completion';
const TOGGLE = 'attentionLens.toggleCompletions';
const SETTLE_MS = 10_000;

describe('Toggle Completions and the scope in effect', function () {
  this.timeout(60_000);
  let document: vscode.TextDocument;

  // Its update() needs `false` for a plain value: left out, it writes the `[plaintext]` block whenever one holds the key.
  const config = () => vscode.workspace.getConfiguration(SECTION, document);
  const effective = () => config().get<boolean>('enabled');
  const where = () => {
    const inspected = config().inspect<boolean>('enabled');
    return { user: inspected?.globalValue, workspace: inspected?.workspaceValue, plaintext: inspected?.workspaceLanguageValue };
  };

  /** Resolves once the editor's file sees `enabled` as `expected` (VS Code applies a write asynchronously). */
  function settled(expected: boolean | undefined, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (effective() !== expected) return false;
        finish();
        resolve();
        return true;
      };
      const subscription = vscode.workspace.onDidChangeConfiguration(() => void check());
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${what}: enabled is still ${String(effective())} after ${SETTLE_MS / 1000} s (${JSON.stringify(where())})`));
      }, SETTLE_MS);
      function finish(): void {
        clearTimeout(timer);
        subscription.dispose();
      }
      check();
    });
  }

  async function clearAll(): Promise<void> {
    await config().update('enabled', undefined, vscode.ConfigurationTarget.Workspace, true);
    await config().update('enabled', undefined, vscode.ConfigurationTarget.Workspace, false);
    await config().update('enabled', undefined, vscode.ConfigurationTarget.Global, false);
    await settled(true, 'back to the default');
  }

  /** Runs the command in the plain-text editor; then the file sees `expected`, with values in `scopes`. */
  async function toggleTo(expected: boolean, scopes: ReturnType<typeof where>): Promise<void> {
    assert.strictEqual(vscode.window.activeTextEditor?.document, document, 'the plain-text editor is not active');
    await vscode.commands.executeCommand(TOGGLE);
    await settled(expected, `toggled to ${String(expected)}`);
    assert.deepStrictEqual(where(), scopes);
  }

  before(async () => {
    await activateLens();
    document = await vscode.workspace.openTextDocument({ language: 'plaintext', content: 'toggle scope\n' });
    await vscode.window.showTextDocument(document);
    await clearAll();
  });

  after(async () => {
    await clearAll();
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('registers every command package.json contributes', async () => {
    const contributed = (vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands;
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepStrictEqual(contributed.map((c) => c.command).filter((id) => !registered.has(id)), []);
  });

  it('writes the user settings when nothing more specific is set', async () => {
    await toggleTo(false, { user: false, workspace: undefined, plaintext: undefined });
    await toggleTo(true, { user: true, workspace: undefined, plaintext: undefined });
  });

  it('flips a workspace value in the workspace, where the user settings would be overridden', async () => {
    await config().update('enabled', false, vscode.ConfigurationTarget.Workspace, false);
    await settled(false, 'the workspace turned it off');
    await toggleTo(true, { user: true, workspace: true, plaintext: undefined });
    await toggleTo(false, { user: true, workspace: false, plaintext: undefined });
    note(`after two toggles: ${JSON.stringify(where())}`);
  });

  it('flips a [plaintext] value in its language block, which beats the plain workspace value', async () => {
    await config().update('enabled', true, vscode.ConfigurationTarget.Workspace, false);
    await config().update('enabled', false, vscode.ConfigurationTarget.Workspace, true);
    await settled(false, 'the [plaintext] block turned it off');
    await toggleTo(true, { user: true, workspace: true, plaintext: true });
    // The plain workspace value off as well: the language block still decides, and is written.
    await config().update('enabled', false, vscode.ConfigurationTarget.Workspace, false);
    await toggleTo(false, { user: true, workspace: false, plaintext: false });
  });
});
