/**
 * The walkthrough's buttons. A walkthrough step has no editor of its own, and the product commands
 * work on the active one, so each button opens a small sample (an untitled TypeScript document,
 * nothing written to disk), puts the cursor or selection where the command needs it, and runs it.
 */

import * as vscode from 'vscode';
import { COMMANDS } from './commandIds';

/** Where the sample's cursor goes: the text before it and the text after it. */
interface Sample {
  readonly before: string;
  readonly after: string;
  /** Select from the start of this line (0-based) to the cursor, instead of an empty cursor. */
  readonly selectFromLine?: number;
}

const HEADER = '// Attention Lens sample: close it without saving when you are done.\n';

const AVERAGE = ['export function average(values: number[]): number {', '  let sum = 0;', '  for (const value of values) {', '    sum += value;', '  }', '  return sum / values.length;', '}'];

// The loop body is left empty: the model's ghost text fills it in.
const COMPLETION_SAMPLE: Sample = {
  before: `${HEADER}export function largest(values: number[]): number {\n  let best = values[0];\n  for (const value of values) {\n    `,
  after: '\n  }\n  return best;\n}\n',
};

// The cursor inside `average`, which has no doc comment yet.
const DOC_COMMENT_SAMPLE: Sample = {
  before: `${HEADER}${AVERAGE.slice(0, 2).join('\n')}`,
  after: `\n${AVERAGE.slice(2).join('\n')}\n`,
};

// The whole of `average` selected: the panel shows how its tokens attend to one another.
const ATTENTION_SAMPLE: Sample = {
  before: `${HEADER}${AVERAGE.join('\n')}`,
  after: '\n',
  selectFromLine: 1,
};

/** Opens `sample` in a new untitled TypeScript editor with the cursor (or selection) placed. */
async function openSample(sample: Sample): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument({ language: 'typescript', content: sample.before + sample.after });
  const editor = await vscode.window.showTextDocument(document, { preview: false });
  const cursor = document.positionAt(sample.before.length);
  const anchor = sample.selectFromLine === undefined ? cursor : new vscode.Position(sample.selectFromLine, 0);
  editor.selection = new vscode.Selection(anchor, cursor);
  editor.revealRange(new vscode.Range(anchor, cursor));
  return editor;
}

/** Registers the three walkthrough commands on `context`. */
export function registerWalkthroughCommands(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(COMMANDS.walkthroughTryCompletion, async () => {
      await openSample(COMPLETION_SAMPLE);
      // Ghost text usually comes as one types; asking once shows it without typing.
      await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    }),
    vscode.commands.registerCommand(COMMANDS.walkthroughTryDocComment, async () => {
      await openSample(DOC_COMMENT_SAMPLE);
      await vscode.commands.executeCommand(COMMANDS.generateDocComment);
    }),
    vscode.commands.registerCommand(COMMANDS.walkthroughTryAttention, async () => {
      await openSample(ATTENTION_SAMPLE);
      await vscode.commands.executeCommand(COMMANDS.showAttention);
    }),
  );
}
