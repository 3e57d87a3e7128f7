/**
 * The remote server's API key in VS Code's SecretStorage, one per server origin; never in settings
 * or logs. Each completion needs the key: it is read from SecretStorage (a round trip to the
 * keychain) once per origin and kept in memory until SecretStorage says it changed.
 */

import type * as vscode from 'vscode';
import { Disposable } from '../common/disposable';

const API_KEY_PREFIX = 'attentionLens.remote.apiKey:';
/** The Hugging Face access token for gated models, kept the same way per hub origin. */
export const HUB_TOKEN_PREFIX = 'attentionLens.hubToken:';

/** See the module comment. */
export class ApiKeyStore extends Disposable {
  private readonly known = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly secrets: vscode.SecretStorage,
    /** Where in SecretStorage these secrets live (the remote server's API keys by default). */
    private readonly prefix = API_KEY_PREFIX,
  ) {
    super();
    this.register(secrets.onDidChange((event) => {
      if (event.key.startsWith(prefix)) this.known.delete(event.key.slice(prefix.length));
    }));
  }

  /** The key for `origin`, or undefined when none is set. */
  get(origin: string): Promise<string | undefined> {
    let key = this.known.get(origin);
    if (!key) {
      key = Promise.resolve(this.secrets.get(this.prefix + origin)).then(
        (value) => value || undefined,
        (error: unknown) => {
          this.known.delete(origin); // a failed read is tried again next time
          throw error;
        },
      );
      this.known.set(origin, key);
    }
    return key;
  }

  /** Stores `key` for `origin`; an empty key deletes it. */
  async set(origin: string, key: string): Promise<void> {
    this.known.delete(origin);
    if (key) await this.secrets.store(this.prefix + origin, key);
    else await this.secrets.delete(this.prefix + origin);
  }
}
