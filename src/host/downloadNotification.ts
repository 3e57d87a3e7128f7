/**
 * The notification a Hub model's download shows: bytes, percent, speed and time left, with Cancel.
 * It follows the model state (ModelState.download), so a download started by Select Model, by a
 * setting typed by hand or by a reload after a crash shows the same way. Cancel stops the transfer
 * (the worker keeps what came, to resume) and the model that served goes on serving.
 */

import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import type { ModelService } from '../inference/modelService';
import type { ModelState } from '../inference/modelState';
import { COMMANDS } from './commandIds';
import { downloadMessage, downloadPercent } from './downloadText';

/** The notification of one model's download while it is open. */
interface OpenNotification {
  readonly modelName: string;
  readonly progress: vscode.Progress<{ message?: string; increment?: number }>;
  /** The percent reported so far (VS Code's progress takes increments). */
  reportedPercent: number;
  cancelled: boolean;
  close(): void;
}

/** See the module comment. */
export class DownloadNotification extends Disposable {
  private open: OpenNotification | undefined;
  /** Set while withProgress has not yet handed over its progress object. */
  private opening: string | undefined;
  private latest: ModelState;

  constructor(private readonly models: ModelService) {
    super();
    this.latest = models.state;
    this.register(models.onDidChangeState((state) => this.update(state)));
    this.register({ dispose: () => this.open?.close() });
  }

  private update(state: ModelState): void {
    this.latest = state;
    const download = state.download;
    if (!download) {
      this.finish(state);
      return;
    }
    if (this.open && this.open.modelName !== download.modelName) this.finish(state);
    if (!this.open) {
      if (this.opening !== download.modelName) this.show(download.modelName);
      return;
    }
    this.report(this.open, state);
  }

  private show(modelName: string): void {
    this.opening = modelName;
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Attention Lens: downloading ${modelName}`, cancellable: true },
      (progress, token) =>
        new Promise<void>((resolve) => {
          const subscription = token.onCancellationRequested(() => {
            notification.cancelled = true;
            this.models.cancelDownload();
          });
          const notification: OpenNotification = {
            modelName,
            progress,
            reportedPercent: 0,
            cancelled: false,
            close: () => {
              subscription.dispose();
              resolve();
            },
          };
          this.opening = undefined;
          this.open = notification;
          // The state may have moved on while the notification opened.
          if (this.latest.download?.modelName === modelName) this.report(notification, this.latest);
          else this.finish(this.latest);
        }),
    );
  }

  private report(notification: OpenNotification, state: ModelState): void {
    const download = state.download;
    if (!download) return;
    const percent = downloadPercent(download) ?? notification.reportedPercent;
    const increment = Math.max(0, percent - notification.reportedPercent);
    notification.reportedPercent += increment;
    notification.progress.report({ message: downloadMessage(download), ...(increment > 0 ? { increment } : {}) });
  }

  /** Closes the notification; a cancelled download says what is kept and how to go on. */
  private finish(state: ModelState): void {
    const notification = this.open;
    if (!notification) return;
    this.open = undefined;
    notification.close();
    if (state.errorCode !== 'DOWNLOAD_CANCELLED') return;
    const serving = state.state === 'ready' && state.modelName ? ` ${state.modelName} goes on serving.` : '';
    const resume = 'Resume Download';
    const choose = 'Select Model';
    void vscode.window
      .showInformationMessage(`Attention Lens: the download of ${notification.modelName} was cancelled; the files that came are kept and the next load resumes from there.${serving}`, resume, choose)
      .then((choice) => {
        if (choice === resume) void vscode.commands.executeCommand(COMMANDS.reloadModel);
        else if (choice === choose) void vscode.commands.executeCommand(COMMANDS.selectModel);
      });
  }
}
