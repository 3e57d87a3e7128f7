/** The one list of command ids against package.json, and no id written out anywhere else in src/. */

import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { COMMANDS } from '../../src/host/commandIds';

interface NamesCommand {
  readonly command: string;
}

interface Manifest {
  readonly activationEvents?: readonly string[];
  readonly contributes: {
    readonly commands: readonly NamesCommand[];
    readonly menus?: Readonly<Record<string, readonly NamesCommand[]>>;
    readonly keybindings?: readonly NamesCommand[];
  };
}

const root = path.resolve(__dirname, '../../..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;
const ids: readonly string[] = Object.values(COMMANDS);

/** The TypeScript files under `dir`. */
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('command ids', () => {
  it('are the commands package.json contributes, both ways, each once', () => {
    const contributed = manifest.contributes.commands.map((c) => c.command);
    assert.strictEqual(new Set(contributed).size, contributed.length, `a command is contributed twice: ${contributed.join(', ')}`);
    assert.strictEqual(new Set(ids).size, ids.length, 'two names share an id');
    assert.deepStrictEqual([...ids].sort(), [...contributed].sort());
  });

  it('cover every command a menu, keybinding or activation event names', () => {
    const named = [
      ...Object.values(manifest.contributes.menus ?? {}).flat().map((m) => m.command),
      ...(manifest.contributes.keybindings ?? []).map((k) => k.command),
      ...(manifest.activationEvents ?? []).filter((e) => e.startsWith('onCommand:')).map((e) => e.slice('onCommand:'.length)),
    ];
    assert.ok(named.length > 0, 'package.json names no command in a menu or keybinding');
    for (const id of named) assert.ok(ids.includes(id), `${id} is named in package.json but not in src/host/commandIds.ts`);
  });

  it('are written out only in src/host/commandIds.ts', () => {
    const list = path.join(root, 'src', 'host', 'commandIds.ts');
    const quoted = new RegExp(`['"\`](${ids.map((id) => id.replace(/\./g, '\\.')).join('|')})['"\`]`);
    const elsewhere = sources(path.join(root, 'src'))
      .filter((file) => file !== list && quoted.test(fs.readFileSync(file, 'utf8')))
      .map((file) => path.relative(root, file));
    assert.deepStrictEqual(elsewhere, [], 'use COMMANDS from src/host/commandIds.ts');
  });
});
