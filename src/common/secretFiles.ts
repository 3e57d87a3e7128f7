/**
 * Files whose text must never reach the model, not even a local one: completions there would
 * echo keys and passwords into ghost text and into the attention view (pure; no I/O).
 */

// Exact base names (lower case) of credential and key files.
const SECRET_NAMES = new Set([
  '.env',
  '.envrc', // direnv: usually `export TOKEN=...`
  '.npmrc',
  '.pypirc',
  '.netrc',
  '_netrc',
  '.git-credentials',
  '.pgpass',
  '.htpasswd',
  'credentials',
  'secrets',
  // SSH private keys; their `.pub` halves are public and not listed.
  'id_rsa',
  'id_dsa',
  'id_ecdsa',
  'id_ed25519',
  'id_ecdsa_sk',
  'id_ed25519_sk',
]);

// Extensions of key stores and private keys. Certificates (.crt, .cer) are public and not listed.
const SECRET_EXTENSIONS = ['.pem', '.key', '.p12', '.pfx', '.keystore', '.jks', '.p8', '.ppk', '.env'];

// `credentials.json` and friends hold secrets; `credentials.ts` is code that handles them.
const CREDENTIALS_DATA = /^credentials\.(?:json|ya?ml|xml|ini|toml|txt|cfg|conf)$/;

/** True for files that hold secrets (.env*, keys, key stores, SSH keys, registry and cloud credentials, secrets.*), by name alone. */
export function isSecretFile(fileName: string): boolean {
  const baseName = (fileName.split(/[\\/]/).pop() ?? '').toLowerCase();
  if (baseName === '') return false;
  if (SECRET_NAMES.has(baseName)) return true;
  if (baseName.startsWith('.env.') || baseName.startsWith('secrets.')) return true;
  if (CREDENTIALS_DATA.test(baseName)) return true;
  return SECRET_EXTENSIONS.some((extension) => baseName.endsWith(extension));
}

/** The sentence the commands show when they refuse a secret file. */
export function secretFileRefusal(fileName: string): string {
  const baseName = fileName.split(/[\\/]/).pop() ?? fileName;
  return `Attention Lens never reads secret files: ${baseName} looks like one (.env, keys, credentials), so it stays out of the model.`;
}
