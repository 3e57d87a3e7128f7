/**
 * Checks the `attentionLens.remote.url` setting and turns it into the OpenAI API root that request
 * paths are appended to. Users paste the server's address with or without `/v1`, with a trailing
 * slash, or a whole endpoint; all of those name the same root. Only http(s) with a host: other
 * schemes are no server, credentials would travel with every request and show in logs, and a query
 * or fragment would swallow the paths appended to it.
 */

import { LensError } from '../common/errors';
import { SETTINGS_SECTION } from '../common/settings';

const URL_SETTING = `${SETTINGS_SECTION}.remote.url`;
const EXAMPLE = 'http://127.0.0.1:8000/v1';
// Endpoints a user may paste whole; the API root is what comes before them.
const ENDPOINT_SUFFIX = /\/(?:chat\/completions|completions|models)$/;

/** A checked server address. */
export interface ServerAddress {
  /** The OpenAI API root, ending in `/v1` and without a trailing slash. */
  readonly baseUrl: string;
  /** Scheme, host and port. */
  readonly origin: string;
  /** Host and port as shown to users ("127.0.0.1:8000"; no port when it is the scheme's default). */
  readonly host: string;
  /** The server is on this machine (127.0.0.0/8, ::1, localhost): code sent to it stays here. */
  readonly loopback: boolean;
  /** The connection is encrypted (https). */
  readonly secure: boolean;
}

/** Parses the `attentionLens.remote.url` setting; throws LensError `REMOTE_BAD_URL` saying what to change. */
export function parseServerAddress(text: string): ServerAddress {
  const value = text.trim();
  const problem = (why: string, shown = value): LensError =>
    new LensError('REMOTE_BAD_URL', `${URL_SETTING} is ${JSON.stringify(shown)}, ${why}. Set it to the server's address, like ${EXAMPLE}.`);
  if (value === '') throw new LensError('REMOTE_BAD_URL', `${URL_SETTING} is empty. Set it to the server's address, like ${EXAMPLE}.`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw problem('which is not a web address');
  }
  if (url.username !== '' || url.password !== '') {
    const withoutCredentials = new URL(url.href);
    withoutCredentials.username = '';
    withoutCredentials.password = '';
    // The message is shown and logged, so the password is not repeated in it.
    throw problem('with a user name or password in it, which every request would send and logs would show; set the key with the command "Attention Lens: Set Remote API Key" instead', withoutCredentials.href);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    // "localhost:8000" parses as the scheme "localhost:".
    const hint = /^[\w.-]+:\d+/.test(value) ? ` (did you mean http://${value}?)` : '';
    throw problem(`but only http:// and https:// servers are used, not ${url.protocol}${hint}`);
  }
  if (url.hostname === '') throw problem('which names no host');
  if (url.search !== '' || url.hash !== '' || /[?#]/.test(value)) throw problem('which has a query or fragment, where the API paths would go');
  const path = url.pathname.replace(/\/+$/, '').replace(ENDPOINT_SUFFIX, '').replace(/\/+$/, '');
  const apiRoot = path.endsWith('/v1') ? path : `${path}/v1`;
  return { baseUrl: `${url.origin}${apiRoot}`, origin: url.origin, host: url.host, loopback: isLoopback(url.hostname), secure: url.protocol === 'https:' };
}

/** Whether a URL's host name (IPv6 in brackets, as URL gives it) is this machine. */
function isLoopback(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost') return true;
  if (/^127\.\d+\.\d+\.\d+$/.test(name)) return true;
  if (name === '[::1]') return true;
  // IPv4-mapped IPv6 of 127.x.x.x, which URL writes in hex: [::ffff:7f00:1].
  return /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(name);
}
