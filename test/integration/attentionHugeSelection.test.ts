// Show Attention on a 5 MB selection: the host cuts the text to what the panel can show before it
// sends anything to the worker, so the command answers quickly, the panel names the lines it
// read (the end of the selection), and the extension host's event loop is never blocked for long.
import * as assert from 'assert';
import { monitorEventLoopDelay } from 'perf_hooks';
import * as vscode from 'vscode';
import { activateLens, waitForState } from './lensApi';
import { note } from './note';

const TARGET_BYTES = 5 * 1024 * 1024;
/** Generous for a shared 2-core machine; a healthy run stays far below (see the note). */
const MAX_STALL_MS = 250;

function hugeTypeScript(): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < TARGET_BYTES; i++) {
    const line = `export const value${i} = compute(${i}, "item ${i}") + offset(${i % 97});`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n') + '\n';
}

/** The attention panel's tab; the workbench tells the extension host about new tabs a moment after they open. */
function attentionTab(timeoutMs: number): Promise<vscode.Tab> {
  const find = () => vscode.window.tabGroups.all.flatMap((group) => group.tabs).find((tab) => tab.label.startsWith('Attention: '));
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const tab = find();
      if (!tab) return false;
      finish();
      resolve(tab);
      return true;
    };
    const subscription = vscode.window.tabGroups.onDidChangeTabs(check);
    const timer = setTimeout(() => {
      finish();
      const labels = vscode.window.tabGroups.all.flatMap((group) => group.tabs).map((tab) => tab.label);
      reject(new Error(`no attention panel opened within ${timeoutMs / 1000} s; tabs: ${JSON.stringify(labels)}`));
    }, timeoutMs);
    function finish(): void {
      clearTimeout(timer);
      subscription.dispose();
    }
    check();
  });
}

describe('Show Attention on a 5 MB selection', function () {
  this.timeout(180_000);

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('reads only the end of it, on the host, without blocking the extension host', async () => {
    await waitForState(await activateLens(), (s) => s.state === 'ready', 120_000, 'ready');
    // Plain text: the command reads any language alike, and VS Code's own TypeScript extension would
    // block this same extension host for a few hundred milliseconds sending 5 MB to tsserver.
    const document = await vscode.workspace.openTextDocument({ language: 'plaintext', content: hugeTypeScript() });
    const editor = await vscode.window.showTextDocument(document);
    const lastLine = document.lineCount - 1;
    editor.selection = new vscode.Selection(0, 0, lastLine, document.lineAt(lastLine).text.length);

    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = Date.now();
    await vscode.commands.executeCommand('attentionLens.showAttention');
    const elapsedMs = Date.now() - started;
    delay.disable();
    const maxMs = delay.max / 1e6;
    note(`${document.getText().length} characters, ${document.lineCount} lines: command ${elapsedMs} ms, event-loop delay p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${maxMs.toFixed(1)} ms`);

    const panel = await attentionTab(10_000);
    note(`panel: ${panel.label}`);
    const range = /:(\d+)-(\d+)$/.exec(panel.label);
    assert.ok(range, `the panel title names no line range: ${panel.label}`);
    // 256 tokens × at most 16 characters each: a few hundred of the ~80 000 lines, at the end.
    assert.strictEqual(Number(range[2]), lastLine + 1, 'the panel shows the end of the selection');
    assert.ok(Number(range[1]) > lastLine - 200, `the host sent lines ${range[1]}-${range[2]} of ${lastLine + 1}`);
    assert.ok(maxMs < MAX_STALL_MS, `the extension host was blocked for ${maxMs.toFixed(0)} ms`);
  });
});
