/** The remote server's API key in VS Code's SecretStorage, one per server origin; never in settings or logs. */

import type * as vscode from 'vscode';

const PREFIX = 'attentionLens.remote.apiKey:';

/** See the module comment. */
export class ApiKeyStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  /** The key for `origin`, or undefined when none is set. */
  async get(origin: string): Promise<string | undefined> {
    const key = await this.secrets.get(PREFIX + origin);
    return key ? key : undefined;
  }

  /** Stores `key` for `origin`; an empty key deletes it. */
  async set(origin: string, key: string): Promise<void> {
    if (key) await this.secrets.store(PREFIX + origin, key);
    else await this.secrets.delete(PREFIX + origin);
  }
}
