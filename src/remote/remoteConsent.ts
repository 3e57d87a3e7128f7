/**
 * Asks once per server before any code goes to it, naming the host; remembers the answer in the
 * extension's global state (never in a workspace). Nothing is sent while the question is open.
 */

import * as vscode from 'vscode';
import type { ServerAddress } from './serverAddress';

const ALLOWED_KEY = 'attentionLens.remote.allowedOrigins';
const ALLOW = 'Allow';

/** See the module comment. */
export class RemoteConsent {
  /** The question on screen per origin, so a burst of completions asks once. */
  private readonly asking = new Map<string, Promise<boolean>>();
  /** Origins the user answered "not now" for in this window: not asked again until the command. */
  private readonly declined = new Set<string>();

  constructor(private readonly state: vscode.Memento) {}

  /** Whether code may go to `address` now (the user allowed its origin before). */
  isAllowed(address: ServerAddress): boolean {
    return this.allowed().includes(address.origin);
  }

  /**
   * Asks the user (unless already allowed, or declined in this window and `again` is false):
   * resolves true once allowed. The message names the host and warns about plain http:// to a host
   * other than this machine.
   */
  ask(address: ServerAddress, again = false): Promise<boolean> {
    if (this.isAllowed(address)) return Promise.resolve(true);
    if (!again && this.declined.has(address.origin)) return Promise.resolve(false);
    const open = this.asking.get(address.origin);
    if (open) return open;
    const question = this.question(address).finally(() => this.asking.delete(address.origin));
    this.asking.set(address.origin, question);
    return question;
  }

  /** Records consent without asking (the integration tests' API; a user always gets the question). */
  async allow(address: ServerAddress): Promise<void> {
    if (!this.isAllowed(address)) await this.state.update(ALLOWED_KEY, [...this.allowed(), address.origin]);
    this.declined.delete(address.origin);
  }

  /** Forgets every allowed server. */
  async forgetAll(): Promise<void> {
    await this.state.update(ALLOWED_KEY, []);
  }

  private async question(address: ServerAddress): Promise<boolean> {
    const plain = !address.secure && !address.loopback
      ? ` Warning: ${address.origin} is plain http:// to another machine, so anyone on the network between can read the code and the API key.`
      : '';
    const choice = await vscode.window.showWarningMessage(
      `Attention Lens: send the code around your cursor (and code you ask doc comments for) to ${address.host}? Its server then writes completions and doc comments. Secret files (.env, keys) are never sent.${plain}`,
      ALLOW,
      'Not Now',
    );
    if (choice !== ALLOW) {
      this.declined.add(address.origin);
      return false;
    }
    await this.allow(address);
    return true;
  }

  private allowed(): string[] {
    const value = this.state.get<unknown>(ALLOWED_KEY);
    return Array.isArray(value) ? value.filter((origin): origin is string => typeof origin === 'string') : [];
  }
}
