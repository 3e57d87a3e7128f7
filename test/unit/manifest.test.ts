/**
 * package.json's promises: who may set what (a workspace can never open the network), and what the
 * Marketplace and the first-run walkthrough show (the icon, the steps' images and buttons).
 */

import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { DEVICE_CHOICES, DTYPE_CHOICES } from '../../src/common/deviceChoices';
import { COMMANDS } from '../../src/host/commandIds';

interface SettingSchema {
  readonly scope?: string;
  readonly enum?: readonly string[];
}

interface WalkthroughStep {
  readonly id: string;
  readonly description: string;
  readonly media: { readonly image?: string; readonly altText?: string; readonly markdown?: string };
  readonly completionEvents?: readonly string[];
}

interface Manifest {
  readonly icon?: string;
  readonly keywords?: readonly string[];
  readonly capabilities?: {
    readonly untrustedWorkspaces?: { readonly supported?: unknown; readonly restrictedConfigurations?: readonly string[] };
    readonly virtualWorkspaces?: { readonly supported?: unknown; readonly description?: string };
  };
  readonly contributes: {
    readonly configuration: { readonly properties: Readonly<Record<string, SettingSchema>> };
    readonly walkthroughs?: readonly { readonly id: string; readonly steps: readonly WalkthroughStep[] }[];
    readonly keybindings?: readonly { readonly command: string; readonly key: string; readonly when?: string }[];
  };
}

const root = path.resolve(__dirname, '../../..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;
const properties = manifest.contributes.configuration.properties;

// Names of settings that can open a connection or carry credentials, now and later.
const NETWORK_SETTING = /allowDownloads|hubUrl|url$|endpoint|server|host|apiKey|accessToken|authToken|password|secret/i;

describe('package.json settings', () => {
  it('gives every setting that can open the network machine or application scope', () => {
    const network = Object.keys(properties).filter((key) => NETWORK_SETTING.test(key));
    assert.ok(network.includes('attentionLens.allowDownloads') && network.includes('attentionLens.hubUrl'), network.join(', '));
    for (const key of network) {
      assert.ok(['machine', 'application'].includes(properties[key].scope ?? 'window'), `${key} has scope ${properties[key].scope ?? 'window (the default)'}`);
    }
  });

  it('is limited in untrusted workspaces, where the workspace cannot choose the model', () => {
    const untrusted = manifest.capabilities?.untrustedWorkspaces;
    assert.strictEqual(untrusted?.supported, 'limited');
    assert.ok(untrusted?.restrictedConfigurations?.includes('attentionLens.model'), JSON.stringify(untrusted));
  });

  it('offers exactly the devices and dtypes the code knows (src/common/deviceChoices.ts)', () => {
    assert.deepStrictEqual(properties['attentionLens.device'].enum, [...DEVICE_CHOICES]);
    assert.deepStrictEqual(properties['attentionLens.dtype'].enum, [...DTYPE_CHOICES]);
  });
});

/** VS Code's own commands that a walkthrough button may run (the rest must be the extension's). */
const BUILT_IN_COMMANDS: readonly string[] = ['workbench.action.openSettings'];
/** The Marketplace's icon size, and the most one walkthrough image may weigh (it ships in the vsix). */
const ICON_SIZE = 128;
const MAX_IMAGE_BYTES = 150 * 1024;

/** Width and height from a PNG's IHDR chunk (bytes 16–23), after checking the signature. */
function pngSize(file: string): { width: number; height: number } {
  const bytes = fs.readFileSync(file);
  assert.ok(bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), `${file} is not a PNG`);
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** The command ids a step's markdown links run: `[Label](command:id?args)`. */
function linkedCommands(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(command:([\w.-]+)/g)].map((match) => match[1]);
}

describe('package.json for the Marketplace and first run', () => {
  const extensionIds: readonly string[] = Object.values(COMMANDS);

  it('has a 128×128 PNG icon and at most 5 keywords', () => {
    const icon = manifest.icon ?? '';
    assert.ok(icon.endsWith('.png'), `icon: ${icon}`);
    assert.deepStrictEqual(pngSize(path.join(root, icon)), { width: ICON_SIZE, height: ICON_SIZE });
    assert.ok((manifest.keywords?.length ?? 0) > 0 && (manifest.keywords?.length ?? 0) <= 5, JSON.stringify(manifest.keywords));
  });

  it('is off in virtual workspaces, saying why', () => {
    const virtual = manifest.capabilities?.virtualWorkspaces;
    assert.strictEqual(virtual?.supported, false);
    assert.match(virtual?.description ?? '', /file system/);
  });

  it('binds Show Attention in a focused editor', () => {
    const binding = manifest.contributes.keybindings?.find((k) => k.command === COMMANDS.showAttention);
    assert.ok(binding, 'no keybinding for Show Attention');
    assert.strictEqual(binding.when, 'editorTextFocus');
  });

  it('has one walkthrough of 4 steps, each with a small image, alt text and a button it completes on', () => {
    const walkthroughs = manifest.contributes.walkthroughs ?? [];
    assert.strictEqual(walkthroughs.length, 1);
    const steps = walkthroughs[0].steps;
    assert.strictEqual(steps.length, 4);
    for (const step of steps) {
      const image = step.media.image;
      assert.ok(image && step.media.altText, `${step.id}: an image and its alt text`);
      const file = path.join(root, image);
      assert.ok(fs.existsSync(file), `${step.id}: ${image} is missing`);
      assert.ok(fs.statSync(file).size < MAX_IMAGE_BYTES, `${step.id}: ${image} is ${fs.statSync(file).size} bytes`);
      pngSize(file);
      const buttons = linkedCommands(step.description);
      assert.ok(buttons.length > 0, `${step.id} has no button`);
      for (const id of buttons) {
        assert.ok(extensionIds.includes(id) || BUILT_IN_COMMANDS.includes(id), `${step.id}'s button runs ${id}, neither the extension's nor a named built-in`);
      }
      const onCommand = (step.completionEvents ?? []).filter((e) => e.startsWith('onCommand:')).map((e) => e.slice('onCommand:'.length));
      assert.ok((step.completionEvents ?? []).length > 0, `${step.id} never completes`);
      for (const id of onCommand) assert.ok(extensionIds.includes(id), `${step.id} completes on ${id}, not one of the extension's commands`);
    }
  });
});
