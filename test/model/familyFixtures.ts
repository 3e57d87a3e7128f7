/**
 * Tiny random-weight models of real Hub families (Llama, Qwen2, GPTBigCode, Starcoder2), made by Hugging Face
 * transformers' own classes with tools/fixtures/make_family_fixtures.py, and the reference that
 * transformers computed on them. Built once into .cache/family-fixtures/ with the python of
 * tools/serve/ensure_serve_packages.sh; rebuilt when the script is newer or the chat messages the
 * worker's summarize sends have changed. Node only, no `vscode` import.
 */

import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';

const execFileAsync = promisify(execFile);

/** The repository root (this file runs as out/test/model/familyFixtures.js). */
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const ENSURE_SCRIPT = path.join(REPO_ROOT, 'tools', 'serve', 'ensure_serve_packages.sh');
const BUILDER = path.join(REPO_ROOT, 'tools', 'fixtures', 'make_family_fixtures.py');
const OUT = path.join(REPO_ROOT, '.cache', 'family-fixtures');
const MESSAGES_FILE = 'chat-messages.json';
// Installing torch and transformers from the local index takes about a minute; allow for a slow disk.
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const BUILD_TIMEOUT_MS = 5 * 60_000;
const LOG_TAIL_CHARS = 4_000;

/** The families the builder writes, as folder names. */
export const FAMILY_NAMES = ['llama', 'qwen2', 'gpt_bigcode', 'starcoder2'] as const;
export type FamilyName = (typeof FAMILY_NAMES)[number];

/** What transformers computed on one family's model (reference.json). */
export interface FamilyReference {
  readonly family: FamilyName;
  readonly seed: number;
  readonly prompt: string;
  readonly prompt_ids: readonly number[];
  /** Greedy new ids of `generate` (do_sample False), ending at an EOS id if one came. */
  readonly greedy_ids: readonly number[];
  readonly eos_ids: readonly number[];
  readonly attention_text: string;
  readonly attention_ids: readonly number[];
  /** Eager attention probabilities: [layer][head][T][T]. */
  readonly attentions: readonly (readonly (readonly (readonly number[])[])[])[];
  readonly fim_prefix?: string;
  readonly fim_suffix?: string;
  readonly fim_prompt_ids?: readonly number[];
  readonly fim_greedy_ids?: readonly number[];
  readonly chat_prompt_ids?: readonly number[];
  readonly chat_greedy_ids?: readonly number[];
}

/** One built family: its Hub-layout folder and transformers' reference. */
export interface FamilyFixture {
  readonly name: FamilyName;
  readonly folder: string;
  readonly reference: FamilyReference;
}

/** A chat message as the worker's summarize sends it. */
export interface ChatMessage {
  readonly role: string;
  readonly content: string;
}

function modifiedMs(file: string): number | undefined {
  return fs.existsSync(file) ? fs.statSync(file).mtimeMs : undefined;
}

/** Runs tools/serve/ensure_serve_packages.sh; returns the python that has torch and transformers. */
export async function ensurePython(): Promise<string> {
  const { stdout } = await execFileAsync('bash', [ENSURE_SCRIPT], { cwd: REPO_ROOT, timeout: INSTALL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }).catch(
    (error: Error & { stderr?: string }) => {
      throw new Error(`${ENSURE_SCRIPT} failed: ${error.message}\n${(error.stderr ?? '').slice(-LOG_TAIL_CHARS)}`);
    },
  );
  const python = stdout.trim().split('\n').pop() ?? '';
  if (!fs.existsSync(python)) throw new Error(`${ENSURE_SCRIPT} printed no python executable: ${JSON.stringify(stdout)}`);
  return python;
}

/** True when the fixtures in OUT were built by the current script for these chat messages. */
function upToDate(messagesJson: string): boolean {
  const stamp = path.join(OUT, MESSAGES_FILE);
  const builtAt = modifiedMs(stamp);
  if (builtAt === undefined || (modifiedMs(BUILDER) ?? Infinity) > builtAt) return false;
  if (fs.readFileSync(stamp, 'utf8') !== messagesJson) return false;
  return FAMILY_NAMES.every((name) => fs.existsSync(path.join(OUT, name, 'reference.json')));
}

/** Builds the family fixtures unless they are current (see the module comment); returns them. */
export async function ensureFamilyFixtures(chatMessages: readonly ChatMessage[]): Promise<FamilyFixture[]> {
  const messagesJson = JSON.stringify(chatMessages);
  if (!upToDate(messagesJson)) {
    const python = await ensurePython();
    // Written beside and renamed into place, so a half-built folder is never used.
    const staging = `${OUT}.partial-${process.pid}`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(staging, { recursive: true });
    fs.writeFileSync(path.join(staging, MESSAGES_FILE), messagesJson);
    await execFileAsync(python, [BUILDER, '--out', staging, '--chat-messages', path.join(staging, MESSAGES_FILE)], {
      cwd: REPO_ROOT,
      env: { ...process.env, HF_HUB_OFFLINE: '1', TOKENIZERS_PARALLELISM: 'false' },
      timeout: BUILD_TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
    }).catch((error: Error & { stdout?: string; stderr?: string }) => {
      fs.rmSync(staging, { recursive: true, force: true });
      throw new Error(`${BUILDER} failed: ${error.message}\n${error.stdout ?? ''}${(error.stderr ?? '').slice(-LOG_TAIL_CHARS)}`);
    });
    // The stamp is written last, so its time is after every file of the build.
    fs.writeFileSync(path.join(staging, MESSAGES_FILE), messagesJson);
    fs.rmSync(OUT, { recursive: true, force: true });
    fs.renameSync(staging, OUT);
  }
  return FAMILY_NAMES.map((name) => {
    const folder = path.join(OUT, name);
    const reference = JSON.parse(fs.readFileSync(path.join(folder, 'reference.json'), 'utf8')) as FamilyReference;
    return { name, folder, reference };
  });
}
