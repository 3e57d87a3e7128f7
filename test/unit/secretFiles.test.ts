import * as assert from 'assert';
import { isSecretFile } from '../../src/common/secretFiles';

function assertSecret(names: string[], expected: boolean) {
  for (const name of names) assert.strictEqual(isSecretFile(name), expected, name);
}

describe('isSecretFile', () => {
  it('knows .env and every .env.* variant', () => {
    assertSecret(['.env', '.env.local', '.env.production', '.env.development.local', 'docker/prod.env', '.envrc'], true);
  });

  it('knows keys, certificates with private keys and key stores', () => {
    assertSecret(['server.pem', 'tls.key', 'client.p12', 'cert.pfx', 'release.keystore', '.keystore', 'debug.jks', 'AuthKey_ABC.p8', 'putty.ppk'], true);
  });

  it('knows SSH private keys, but not their public halves', () => {
    assertSecret(['id_rsa', 'id_dsa', 'id_ecdsa', 'id_ed25519', 'id_ed25519_sk', '/home/me/.ssh/id_rsa'], true);
    assertSecret(['id_rsa.pub', 'id_ed25519.pub', 'known_hosts'], false);
  });

  it('knows registry and network credential files', () => {
    assertSecret(['.npmrc', '.pypirc', '.netrc', '_netrc', '.git-credentials', '.pgpass', '.htpasswd'], true);
  });

  it('knows credentials files, in data formats only', () => {
    assertSecret(['credentials', '/home/me/.aws/credentials', 'credentials.json', 'credentials.yml', 'credentials.yaml'], true);
    assertSecret(['credentials.ts', 'credentialsStore.py', 'my-credentials.md'], false);
  });

  it('knows secrets.*', () => {
    assertSecret(['secrets', 'secrets.json', 'secrets.yaml', 'secrets.py', 'config/secrets.toml'], true);
    assertSecret(['mysecrets.json', 'secretsManager.ts'], false);
  });

  it('reads the base name of POSIX and Windows paths, ignoring case', () => {
    assertSecret(['C:\\Users\\me\\project\\.ENV', 'C:\\certs\\Server.PEM', '/x/.Env.Local', 'Z:\\.aws\\Credentials'], true);
    assertSecret(['/work/.env/readme.md', 'C:\\keys\\notes.txt'], false);
  });

  it('leaves ordinary source and config files alone', () => {
    assertSecret(['main.ts', 'environment.ts', 'env.ts', '.envrc.md', 'keys.ts', 'keyboard.key.ts', 'package.json', 'README.md', '.gitignore', 'monkey', 'pem.go', 'tsconfig.json', ''], false);
  });

  it('does not treat a trailing separator as a file name', () => {
    assertSecret(['/home/me/.ssh/', 'C:\\secrets\\'], false);
  });
});
