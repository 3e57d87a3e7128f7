// The model worker dies while Generate Doc Comment writes its summary and the user types at
// several places: every keystroke stays, no part of a doc comment lands, the status says what
// happened, and once the worker has restarted by itself the command documents the right function.
// A completion whose worker dies leaves no ghost text, and completions work again after the restart.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { activateLens, readyAfterRestart, waitForState, type LensApi } from './lensApi';

const ORIGINAL = [
  'function addTax(price, rate) {',
  '  return price * (1 + rate);',
  '}',
  '',
  'function totalOf(items) {',
  '  let sum = 0;',
  '  for (const item of items) sum += item.price;',
  '  return sum;',
  '}',
  '',
].join('\n');

/** The document once the user's four edits below have landed, and nothing else. */
const EDITED = [
  '// typed at the top',
  'function addTax(price, rate) {',
  '  // typed inside addTax',
  '  return price * (1 + rate);',
  '}',
  '',
  'function totalOf(items) {',
  '  xlet sum = 0;',
  '  for (const item of items) sum += item.price;',
  '  return sum;',
  '}',
  '',
  '// typed at the end',
].join('\n');


describe('a worker crash while Generate Doc Comment runs and the user types', function () {
  this.timeout(240_000);
  let api: LensApi;

  const lens = () => vscode.workspace.getConfiguration('attentionLens');
  let modelBefore: string | undefined;

  before(async () => {
    api = await activateLens();
    await waitForState(api, (s) => s.state === 'ready', 120_000, 'the model ready');
    // The bundled model, which writes usable summaries ('' names it); the suite's tiny model does not.
    modelBefore = lens().inspect<string>('model')?.workspaceValue;
    await lens().update('model', '', vscode.ConfigurationTarget.Workspace);
    await waitForState(api, (s) => s.state === 'ready' && s.modelName === 'lens-coder', 120_000, 'the bundled model ready');
  });

  after(async () => {
    await lens().update('model', modelBefore, vscode.ConfigurationTarget.Workspace);
    await waitForState(api, (s) => s.state === 'ready' && s.modelName !== 'lens-coder', 120_000, 'the suite\'s model ready again');
  });

  it('keeps every edit, inserts nothing, reports the crash, then documents the function after the restart', async () => {
    // A plain-text document: no language server shares the extension host with the test.
    const document = await vscode.workspace.openTextDocument({ language: 'plaintext', content: ORIGINAL });
    const editor = await vscode.window.showTextDocument(document);
    editor.selection = new vscode.Selection(5, 2, 5, 2); // in totalOf, before `let`

    const crashed = waitForState(api, (s) => s.errorCode === 'WORKER_CRASHED', 60_000, 'the crash reported');
    api.killWorkerForTest(2); // the worker dies once the summary has streamed two tokens
    let commandSettled = false;
    const command = Promise.resolve(vscode.commands.executeCommand('attentionLens.generateDocComment')).finally(() => {
      commandSettled = true;
    });

    // The user types while the summary is written: at the cursor, above, inside another function, below.
    const editsBeforeSettle: boolean[] = [];
    await vscode.commands.executeCommand('type', { text: 'x' });
    editsBeforeSettle.push(!commandSettled);
    assert.ok(await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), '// typed at the top\n')));
    editsBeforeSettle.push(!commandSettled);
    assert.ok(await editor.edit((edit) => edit.insert(new vscode.Position(2, 0), '  // typed inside addTax\n')));
    editsBeforeSettle.push(!commandSettled);
    const atEnd = new vscode.WorkspaceEdit();
    atEnd.insert(document.uri, document.lineAt(document.lineCount - 1).range.end, '\n// typed at the end');
    assert.ok(await vscode.workspace.applyEdit(atEnd));
    editsBeforeSettle.push(!commandSettled);

    const crash = await crashed;
    await command;
    assert.ok(editsBeforeSettle[0], `the first edit came after the command had ended (${JSON.stringify(editsBeforeSettle)})`);
    assert.match(crash.error ?? '', /stopped unexpectedly .*Attention Lens restarts it/);
    assert.strictEqual(document.getText(), EDITED, 'the document is not exactly the user\'s edits');

    // The worker restarts and loads the model by itself; the command then documents totalOf where it now stands.
    await readyAfterRestart(api);
    const declaration = EDITED.split('\n').indexOf('function totalOf(items) {');
    editor.selection = new vscode.Selection(declaration + 1, 0, declaration + 1, 0);
    await vscode.commands.executeCommand('attentionLens.generateDocComment');
    const lines = document.getText().split('\n');
    const expected = EDITED.split('\n');
    const added = lines.length - expected.length;
    assert.ok(added > 0, `no doc comment was inserted after the restart:\n${document.getText()}`);
    assert.deepStrictEqual(lines.slice(0, declaration), expected.slice(0, declaration), 'the lines above totalOf changed');
    assert.deepStrictEqual(lines.slice(declaration + added), expected.slice(declaration), 'totalOf or the lines below it changed');
    assert.ok(lines.slice(declaration, declaration + added).every((line) => line.trim().length > 0), 'the comment has blank lines');

    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('shows no ghost text from a completion whose worker dies, keeps typing intact, and completes after the restart', async () => {
    const prefix = 'function square(x) {\n  return ';
    const document = await vscode.workspace.openTextDocument({ language: 'plaintext', content: prefix });
    const editor = await vscode.window.showTextDocument(document);
    const end = document.positionAt(prefix.length);
    editor.selection = new vscode.Selection(end, end);

    const crashed = waitForState(api, (s) => s.errorCode === 'WORKER_CRASHED', 60_000, 'the crash reported');
    api.killWorkerForTest(1); // the worker dies on the completion's first token
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await crashed;
    // Accepting now would insert any ghost text the dead request left: there must be none.
    await vscode.commands.executeCommand('editor.action.inlineSuggest.commit');
    assert.strictEqual(document.getText(), prefix, 'a completion from the dead worker reached the document');
    await vscode.commands.executeCommand('type', { text: 'x' });
    assert.strictEqual(document.getText(), `${prefix}x`);

    await readyAfterRestart(api);
    // A completion after the restart: asked for and accepted; where the model has nothing to add
    // (an empty answer is cached for that place), the user types on and asks again, a few times.
    let typed = `${prefix}x`;
    for (const more of [' ', '*', ' ', 'x', ';']) {
      await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await vscode.commands.executeCommand('editor.action.inlineSuggest.commit');
      if (document.getText() !== typed) break;
      await vscode.commands.executeCommand('type', { text: more });
      typed += more;
    }
    assert.ok(document.getText().startsWith(typed) && document.getText().length > typed.length, `no completion was accepted after the restart: ${JSON.stringify(document.getText())}`);

    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
