import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { LensError } from '../../src/common/errors';
import {
  parseHubUrl,
  readDocCommentSettings,
  readSettings,
  scopeInEffect,
  sectionOf,
  SETTING_KEYS,
  SETTINGS_READERS,
  type SettingsGroup,
} from '../../src/common/settings';

interface SettingSchema {
  readonly type: string;
  readonly default: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly enum?: readonly string[];
}

const properties = (JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as {
  readonly contributes: { readonly configuration: { readonly properties: Readonly<Record<string, SettingSchema>> } };
}).contributes.configuration.properties;

const groups = Object.keys(SETTING_KEYS) as SettingsGroup[];

/** Every setting the code reads, as package.json names it, with its group and relative key. */
const declared = groups.flatMap((group) => SETTING_KEYS[group].map((key) => ({ group, key, name: `${sectionOf(group)}.${key}` })));

/** What `group`'s reader gives for `key` when only `key` is set to `value`. */
function readOne(group: SettingsGroup, key: string, value: unknown): unknown {
  return (SETTINGS_READERS[group]((asked) => (asked === key ? value : undefined)) as unknown as Record<string, unknown>)[key];
}

function from(values: Record<string, unknown>) {
  return readSettings((key) => values[key]);
}

describe('readSettings', () => {
  it('gives the defaults when nothing is set', () => {
    assert.deepStrictEqual(from({}), {
      model: '',
      allowDownloads: false,
      hubUrl: 'https://huggingface.co',
      device: 'auto',
      dtype: 'auto',
      requestTimeoutMs: 30000,
    });
  });

  it('keeps valid values and trims text', () => {
    const settings = from({ model: '  /models/x ', allowDownloads: true, hubUrl: 'http://127.0.0.1:9/', device: 'wasm', dtype: 'fp32' });
    assert.strictEqual(settings.model, '/models/x');
    assert.strictEqual(settings.allowDownloads, true);
    assert.strictEqual(settings.hubUrl, 'http://127.0.0.1:9');
    assert.strictEqual(settings.device, 'wasm');
    assert.strictEqual(settings.dtype, 'fp32');
  });

  it('falls back on unknown enum values and wrong types', () => {
    const settings = from({ device: 'tpu', dtype: 3, allowDownloads: 'yes', model: 42 });
    assert.strictEqual(settings.device, 'auto');
    assert.strictEqual(settings.dtype, 'auto');
    assert.strictEqual(settings.allowDownloads, false);
    assert.strictEqual(settings.model, '');
  });

  it('clamps the timeout', () => {
    assert.strictEqual(from({ requestTimeoutMs: 5 }).requestTimeoutMs, 1000);
    assert.strictEqual(from({ requestTimeoutMs: 1e9 }).requestTimeoutMs, 600000);
    assert.strictEqual(from({ requestTimeoutMs: Number.NaN }).requestTimeoutMs, 30000);
  });
});

describe('parseHubUrl', () => {
  it('takes http(s) addresses and names their host', () => {
    assert.deepStrictEqual(parseHubUrl('https://huggingface.co'), { url: 'https://huggingface.co', host: 'huggingface.co' });
    assert.deepStrictEqual(parseHubUrl('HTTPS://HuggingFace.co/'), { url: 'https://huggingface.co', host: 'huggingface.co' });
    assert.deepStrictEqual(parseHubUrl('http://127.0.0.1:9'), { url: 'http://127.0.0.1:9', host: '127.0.0.1:9' });
    assert.deepStrictEqual(parseHubUrl('https://mirror.example.org/hf/'), { url: 'https://mirror.example.org/hf', host: 'mirror.example.org' });
    assert.deepStrictEqual(parseHubUrl('http://[::1]:8080'), { url: 'http://[::1]:8080', host: '[::1]:8080' });
  });

  it('refuses other schemes, no host, credentials, queries and fragments, naming the setting', () => {
    for (const value of ['file:///etc/passwd', 'ftp://mirror.example.org', 'ws://huggingface.co', 'data:text/plain,x', 'javascript:alert(1)', 'huggingface.co', '', 'http://', 'https://user:pw@huggingface.co', 'https://huggingface.co/?a=1', 'https://huggingface.co/#x']) {
      assert.throws(
        () => parseHubUrl(value),
        (error: unknown) => error instanceof LensError && error.code === 'MODEL_NOT_FOUND' && /attentionLens\.hubUrl/.test(error.message),
        value,
      );
    }
    // The message is shown and logged: it keeps the address but not the password.
    assert.throws(() => parseHubUrl('https://user:s3cret@huggingface.co'), (error: unknown) => error instanceof LensError && !error.message.includes('s3cret') && error.message.includes('huggingface.co'));
  });
});

describe('the setting keys', () => {
  it('are the settings package.json declares, both ways', () => {
    assert.deepStrictEqual(declared.map((d) => d.name).sort(), Object.keys(properties).sort());
  });

  it('are exactly what each reader reads, and name the fields it gives', () => {
    for (const group of groups) {
      const asked: string[] = [];
      const settings = SETTINGS_READERS[group]((key) => void asked.push(key));
      assert.deepStrictEqual([...new Set(asked)].sort(), [...SETTING_KEYS[group]].sort(), group);
      assert.deepStrictEqual(Object.keys(settings).sort(), [...SETTING_KEYS[group]].sort(), group);
    }
  });

  it('default, clamp and enumerate as package.json says', () => {
    for (const { group, key, name } of declared) {
      const schema = properties[name];
      assert.deepStrictEqual(readOne(group, key, undefined), schema.default, `${name}: default`);
      if (schema.minimum !== undefined) assert.strictEqual(readOne(group, key, schema.minimum - 1000), schema.minimum, `${name}: below its minimum`);
      if (schema.maximum !== undefined) assert.strictEqual(readOne(group, key, schema.maximum + 1000), schema.maximum, `${name}: above its maximum`);
      for (const choice of schema.enum ?? []) assert.strictEqual(readOne(group, key, choice), choice, `${name}: ${choice}`);
      if (schema.enum) assert.strictEqual(readOne(group, key, 'no-such-choice'), schema.default, `${name}: unknown choice`);
      // A value of another type (a hand-edited settings.json) gives the default, never a crash.
      const wrong = schema.type === 'string' ? 17 : 'seventeen';
      assert.deepStrictEqual(readOne(group, key, wrong), schema.default, `${name}: ${JSON.stringify(wrong)}`);
    }
  });
});

describe('readRemoteSettings', () => {
  const read = (values: Record<string, unknown>) => SETTINGS_READERS.remote((key) => values[key]);

  it('stays local unless the engine is set exactly, and clamps the timeout', () => {
    assert.strictEqual(read({}).engine, 'local');
    assert.strictEqual(read({ engine: 'OpenAI' }).engine, 'local');
    assert.strictEqual(read({ engine: 'openaiCompatible' }).engine, 'openaiCompatible');
    assert.strictEqual(read({ timeoutMs: 1 }).timeoutMs, 500);
    assert.strictEqual(read({ url: '  http://127.0.0.1:8000/v1 ', model: ' m ' }).url, 'http://127.0.0.1:8000/v1');
  });

  it('are all application-scoped in package.json, so no workspace can point them at a server', () => {
    const remote = Object.entries(properties).filter(([name]) => name.startsWith(`${sectionOf('remote')}.`));
    assert.strictEqual(remote.length, SETTING_KEYS.remote.length);
    for (const [name, schema] of remote) assert.strictEqual((schema as { scope?: string }).scope, 'application', name);
  });
});

describe('readDocCommentSettings', () => {
  it('has the CodeLens off by default and on only for true', () => {
    assert.deepStrictEqual(readDocCommentSettings(() => undefined), { codeLens: false });
    assert.deepStrictEqual(readDocCommentSettings((key) => (key === 'codeLens' ? true : undefined)), { codeLens: true });
    for (const wrong of ['true', 1, {}, null]) assert.strictEqual(readDocCommentSettings(() => wrong).codeLens, false, JSON.stringify(wrong));
  });
});

describe('scopeInEffect', () => {
  it('writes the user settings when only the default applies', () => {
    assert.deepStrictEqual(scopeInEffect(undefined), { target: 'global', inLanguage: false });
    assert.deepStrictEqual(scopeInEffect({}), { target: 'global', inLanguage: false });
    assert.deepStrictEqual(scopeInEffect({ globalValue: false }), { target: 'global', inLanguage: false });
  });

  it('takes the folder over the workspace over the user', () => {
    assert.deepStrictEqual(scopeInEffect({ globalValue: true, workspaceValue: false }), { target: 'workspace', inLanguage: false });
    assert.deepStrictEqual(scopeInEffect({ globalValue: true, workspaceValue: false, workspaceFolderValue: true }), { target: 'workspaceFolder', inLanguage: false });
  });

  it('takes any language-specific value over every plain one', () => {
    const plain = { globalValue: true, workspaceValue: false, workspaceFolderValue: true };
    assert.deepStrictEqual(scopeInEffect({ ...plain, defaultLanguageValue: false }), { target: 'global', inLanguage: true });
    assert.deepStrictEqual(scopeInEffect({ ...plain, globalLanguageValue: false }), { target: 'global', inLanguage: true });
    assert.deepStrictEqual(scopeInEffect({ ...plain, globalLanguageValue: false, workspaceLanguageValue: true }), { target: 'workspace', inLanguage: true });
    assert.deepStrictEqual(scopeInEffect({ ...plain, workspaceLanguageValue: true, workspaceFolderLanguageValue: false }), { target: 'workspaceFolder', inLanguage: true });
  });

  it('counts false as a value', () => {
    assert.deepStrictEqual(scopeInEffect({ workspaceLanguageValue: false }), { target: 'workspace', inLanguage: true });
  });
});
