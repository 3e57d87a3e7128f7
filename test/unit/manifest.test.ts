/** package.json's promises about who may set what: a workspace can never open the network. */

import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { DEVICE_CHOICES, DTYPE_CHOICES } from '../../src/common/deviceChoices';

interface SettingSchema {
  readonly scope?: string;
  readonly enum?: readonly string[];
}

interface Manifest {
  readonly capabilities?: { readonly untrustedWorkspaces?: { readonly supported?: unknown; readonly restrictedConfigurations?: readonly string[] } };
  readonly contributes: { readonly configuration: { readonly properties: Readonly<Record<string, SettingSchema>> } };
}

const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as Manifest;
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
