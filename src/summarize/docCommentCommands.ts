/** Generate Doc Comment and Summarize Selection: the model's summary, streamed, written in the language's style. */

import * as vscode from 'vscode';
import { LensError } from '../common/errors';
import { Disposable } from '../common/disposable';
import { COMMANDS } from '../host/commandIds';
import type { RecentOutputs } from '../host/recentOutputs';
import type { ActiveEngine } from '../host/activeEngine';
import { notifyModelError } from '../host/errorNotifier';
import { isSecretFile, secretFileRefusal } from '../common/secretFiles';
import { normaliseSummary, planDocCommentEdit } from './docCommentFormatter';
import type { CodeBlock } from './functionLocator';
import { relocateBlock } from './blockRelocation';
import { looksLikeProse } from './summaryCheck';
import { documentLines, locateBlock } from './symbolSource';

const MAX_SUMMARY_TOKENS = 48;

/** See the module comment. */
export class DocCommentCommands extends Disposable {
  constructor(
    private readonly engine: ActiveEngine,
    private readonly recent: RecentOutputs,
    private readonly log: vscode.OutputChannel,
  ) {
    super();
    this.register(
      vscode.commands.registerCommand(COMMANDS.generateDocComment, (uri?: vscode.Uri, line?: number) => this.generate(uri, line)),
    );
    this.register(vscode.commands.registerCommand(COMMANDS.summarizeSelection, () => this.summarizeSelection()));
  }

  private async editorFor(uri?: vscode.Uri, line?: number): Promise<vscode.TextEditor | undefined> {
    if (!uri) return vscode.window.activeTextEditor;
    // From a CodeLens: open the document and put the cursor on the function's line.
    const editor = await vscode.window.showTextDocument(uri, { preserveFocus: false });
    if (line !== undefined) editor.selection = new vscode.Selection(line, 0, line, 0);
    return editor;
  }

  /** Generate Doc Comment: summary → comment in the language's style, as one undoable edit. */
  private async generate(uri?: vscode.Uri, line?: number): Promise<void> {
    const editor = await this.editorFor(uri, line);
    if (!editor) {
      void vscode.window.showInformationMessage('Attention Lens: open a file and put the cursor in a function first.');
      return;
    }
    if (refusedAsSecret(editor.document)) return;
    const block = await locateBlock(editor);
    if (!block) {
      void vscode.window.showInformationMessage('Attention Lens: no function was found at the cursor. Select the code to document instead.');
      return;
    }
    const { document } = editor;
    const version = document.version;
    const summary = await this.summarize(document, block);
    if (summary === undefined) return;
    if (document.version !== version) {
      void vscode.window.showWarningMessage('Attention Lens: the file changed while the summary was written; nothing was inserted. Run the command again.');
      return;
    }
    await this.insert(editor, block, summary);
  }

  private async insert(editor: vscode.TextEditor, block: CodeBlock, summary: string): Promise<boolean> {
    const { document } = editor;
    const eol = document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
    const plan = planDocCommentEdit(documentLines(document), block, document.languageId, summary, eol);
    if (plan.replacesExisting) {
      const choice = await vscode.window.showWarningMessage(
        'This function already has a doc comment. Replace it with the new summary?',
        { modal: true, detail: summary },
        'Replace',
      );
      if (choice !== 'Replace') return false;
    }
    const { edit } = plan;
    const range =
      edit.kind === 'insert'
        ? new vscode.Range(edit.startLine, 0, edit.startLine, 0)
        : new vscode.Range(edit.startLine, 0, edit.endLine + 1 < document.lineCount ? edit.endLine + 1 : edit.endLine, edit.endLine + 1 < document.lineCount ? 0 : document.lineAt(edit.endLine).text.length);
    const text = edit.kind === 'replace' && edit.endLine + 1 >= document.lineCount ? edit.text.replace(/\r?\n$/, '') : edit.text;
    // One WorkspaceEdit: a single undo step.
    const workspaceEdit = new vscode.WorkspaceEdit();
    workspaceEdit.replace(document.uri, range, text);
    const applied = await vscode.workspace.applyEdit(workspaceEdit);
    if (!applied) void vscode.window.showErrorMessage('Attention Lens: the doc comment could not be written (is the file read-only?).');
    return applied;
  }

  /** Summarize Selection: shows the summary with Copy and Insert, without editing. */
  private async summarizeSelection(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor || refusedAsSecret(editor.document)) return;
    const block = await locateBlock(editor);
    if (!block) {
      void vscode.window.showInformationMessage('Attention Lens: select some code (or put the cursor in a function) to summarize.');
      return;
    }
    const { document } = editor;
    const summary = await this.summarize(document, block);
    if (summary === undefined) return;
    // The buttons may be clicked long after: remember the code as it was to find it again.
    const version = document.version;
    const blockLines = documentLines(document).slice(block.startLine, block.endLine + 1);
    const choice = await vscode.window.showInformationMessage(`Attention Lens: ${summary}`, 'Copy', 'Insert as Doc Comment');
    if (choice === 'Copy') await vscode.env.clipboard.writeText(summary);
    if (choice !== 'Insert as Doc Comment') return;
    const target = document.version === version ? block : document.isClosed ? undefined : relocateBlock(block, blockLines, documentLines(document));
    if (!target) {
      void vscode.window.showWarningMessage(`Attention Lens: ${block.name ?? 'the code'} changed since it was summarized; nothing was inserted. Run Summarize Selection again.`);
      return;
    }
    await this.insert(editor, target, summary);
  }

  /** Streams the model's summary into a cancellable progress notification; undefined when cancelled or failed. */
  private async summarize(document: vscode.TextDocument, block: CodeBlock): Promise<string | undefined> {
    const code = documentLines(document).slice(block.startLine, block.endLine + 1).join('\n');
    const name = block.name ?? 'the code';
    try {
      const done = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Attention Lens: summarizing ${name}`, cancellable: true },
        (progress, token) => {
          let preview = '';
          return this.engine.summarize(
            { code, languageId: document.languageId, maxNewTokens: MAX_SUMMARY_TOKENS },
            (text) => {
              preview += text;
              progress.report({ message: preview.trim() });
            },
            token,
          );
        },
      );
      if (done.finishReason === 'cancelled' || done.finishReason === 'superseded') return undefined;
      const summary = normaliseSummary(done.text, document.languageId, block.name);
      if (!looksLikeProse(summary)) {
        this.log.appendLine(`[summary] ${name}: rejected, not a sentence: ${JSON.stringify(done.text)}`);
        void vscode.window.showWarningMessage(
          `Attention Lens: the model gave no usable summary for ${name} (it answered "${done.text.trim().slice(0, 80)}"). Nothing was inserted.`,
        );
        return undefined;
      }
      const producer = this.engine.producer();
      this.recent.lastSummary = { context: code.slice(-1500) + '\n', output: summary, fileName: vscode.workspace.asRelativePath(document.uri), producer };
      const source = producer.kind === 'remote' ? `${producer.model} on ${producer.host}` : `${done.tokenIds.length} tokens`;
      this.log.appendLine(`[summary] ${name}: ${summary} (${source}, ${done.timings.totalMs} ms)`);
      return summary;
    } catch (error) {
      const message = error instanceof LensError || error instanceof Error ? error.message : String(error);
      // A server that is down, refuses the key or is not allowed yet: the button fixes it.
      if (error instanceof LensError && error.code.startsWith('REMOTE_')) void notifyModelError(error.code, `could not summarize: ${message}`);
      else void vscode.window.showErrorMessage(`Attention Lens: could not summarize: ${message}`);
      return undefined;
    }
  }
}

/** True (and says so) when the document is a secret file, whose text never reaches the model. */
function refusedAsSecret(document: vscode.TextDocument): boolean {
  if (!isSecretFile(document.fileName)) return false;
  void vscode.window.showInformationMessage(secretFileRefusal(document.fileName));
  return true;
}
