/**
 * What went wrong with a call to the remote server, told so a user can act on it: every message
 * names the host, the HTTP status or network error code, and what to do. The API key is never in
 * a message (a server that echoes it back has it cut out), since messages are shown and logged.
 */

import { LensError } from '../common/errors';
import { SETTINGS_SECTION } from '../common/settings';

const URL_SETTING = `${SETTINGS_SECTION}.remote.url`;
const MODEL_SETTING = `${SETTINGS_SECTION}.remote.model`;
const SET_KEY_COMMAND = '"Attention Lens: Set Remote API Key"';
const API_ROOT_HINT = `check that ${URL_SETTING} points at the server's OpenAI API (its address usually ends in /v1)`;
const MAX_SERVER_MESSAGE_CHARS = 300;
const MODELS_SHOWN = 12;

/** What a failure message says about the call that failed. */
export interface FailureContext {
  /** Host and port as the user wrote them ("127.0.0.1:8000"). */
  readonly host: string;
  /** The model asked for, when the call named one. */
  readonly model?: string;
  readonly apiKey?: string;
}

// Certificate problems that a trusted certificate authority would solve.
const UNTRUSTED_CERTIFICATE = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
]);
const EXPIRED_CERTIFICATE = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
const UNREACHABLE_HOST = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'EADDRNOTAVAIL']);
const CONNECTION_DROPPED = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** Cuts the API key out of text a server sent back. */
export function withoutKey(text: string, apiKey: string | undefined): string {
  return apiKey ? text.split(apiKey).join('…') : text;
}

/**
 * The error message in a server's answer, on one line and short: the JSON shapes of OpenAI and
 * vLLM (`error.message`), Ollama and TGI (`error` as text), vLLM's `{object: "error", message}`,
 * FastAPI's `detail`, an HTML page's title, or the start of plain text.
 */
export function serverMessageOf(body: string, apiKey: string | undefined): string | undefined {
  const text = body.trim();
  if (text === '') return undefined;
  let message: string | undefined;
  try {
    const json: unknown = JSON.parse(text);
    message = errorMessageOf(json) ?? detailOf(json);
  } catch {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text);
    message = title ? title[1] : text.startsWith('<') ? undefined : text;
  }
  return message === undefined ? undefined : tidyMessage(message, apiKey);
}

/** A server's message fit to quote inside a sentence: one line, short, no final full stop, no key. */
function tidyMessage(message: string, apiKey: string | undefined): string | undefined {
  const oneLine = withoutKey(message, apiKey).replace(/\s+/g, ' ').trim().replace(/\.$/, '');
  if (oneLine === '') return undefined;
  return oneLine.length > MAX_SERVER_MESSAGE_CHARS ? `${oneLine.slice(0, MAX_SERVER_MESSAGE_CHARS)}…` : oneLine;
}

/** The error a parsed OpenAI-style answer or stream event reports, if it reports one. */
export function errorMessageOf(json: unknown): string | undefined {
  const record = asRecord(json);
  if (!record) return undefined;
  const error = record.error;
  if (typeof error === 'string') return error;
  const errorRecord = asRecord(error);
  if (errorRecord) return typeof errorRecord.message === 'string' ? errorRecord.message : JSON.stringify(errorRecord);
  if (record.object === 'error' && typeof record.message === 'string') return record.message;
  return undefined;
}

function detailOf(json: unknown): string | undefined {
  const record = asRecord(json);
  if (!record) return undefined;
  if (typeof record.message === 'string') return record.message;
  if (typeof record.detail === 'string') return record.detail;
  // FastAPI's validation errors: [{ loc, msg, type }, …].
  if (Array.isArray(record.detail)) return record.detail.map((item) => (typeof asRecord(item)?.msg === 'string' ? String(asRecord(item)?.msg) : JSON.stringify(item))).join('; ');
  return undefined;
}

/** A JSON object as a record, or undefined for anything else. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function detail(status: number, serverMessage: string | undefined): string {
  return serverMessage ? `HTTP ${status}: ${serverMessage}` : `HTTP ${status}`;
}

/** The error for an answer with a status other than 2xx, 429 and 503 (which are retried first). */
export function statusFailure(
  status: number,
  serverMessage: string | undefined,
  context: FailureContext,
  extra: { readonly path: string; readonly offeredModels?: readonly string[]; readonly location?: string | null },
): LensError {
  const { host, model } = context;
  if (status === 401 || status === 403) {
    return context.apiKey
      ? new LensError('REMOTE_AUTH', `The remote server at ${host} refused the API key (${detail(status, serverMessage)}). Set the right key with the command ${SET_KEY_COMMAND}.`)
      : new LensError('REMOTE_AUTH', `The remote server at ${host} needs an API key (${detail(status, serverMessage)}). Set it with the command ${SET_KEY_COMMAND}.`);
  }
  if (status === 404 && model !== undefined) {
    const offered = extra.offeredModels;
    const advice =
      offered === undefined
        ? `Check ${MODEL_SETTING}, and ${API_ROOT_HINT}.`
        : offered.length === 0
          ? 'Its /v1/models lists no model: load one on the server.'
          : `It offers ${listModels(offered)}: set ${MODEL_SETTING} to one of them.`;
    return new LensError('REMOTE_MODEL_NOT_FOUND', `The remote server at ${host} does not serve the model "${model}" (${detail(status, serverMessage)}). ${advice}`);
  }
  if (status === 404) return new LensError('REMOTE_BAD_URL', `The remote server at ${host} has no ${extra.path} (${detail(status, serverMessage)}): ${API_ROOT_HINT}.`);
  if (status >= 300 && status < 400) {
    const target = extra.location ? ` to ${withoutKey(extra.location, context.apiKey)}` : '';
    return new LensError('REMOTE_BAD_URL', `The remote server at ${host} redirects ${extra.path}${target} (HTTP ${status}): set ${URL_SETTING} to the address it redirects to.`);
  }
  if (status >= 500) return new LensError('REMOTE_SERVER_ERROR', `The remote server at ${host} failed (${detail(status, serverMessage)}). Its log may say why.`);
  return new LensError('REMOTE_SERVER_ERROR', `The remote server at ${host} rejected the request (${detail(status, serverMessage)}).`);
}

function listModels(models: readonly string[]): string {
  const shown = models.slice(0, MODELS_SHOWN).map((id) => `"${id}"`).join(', ');
  return models.length > MODELS_SHOWN ? `${shown} and ${models.length - MODELS_SHOWN} more` : shown;
}

/** The error once a busy server (429/503) has been retried as often, or as long, as the call allows. */
export function busyFailure(
  status: number,
  serverMessage: string | undefined,
  context: FailureContext,
  why: { readonly retries: number } | { readonly askedWaitMs: number; readonly leftMs: number },
): LensError {
  const tail =
    'retries' in why
      ? `and stayed busy through ${why.retries} ${why.retries === 1 ? 'retry' : 'retries'}`
      : `and asks to retry in ${seconds(why.askedWaitMs)}, longer than the ${seconds(why.leftMs)} this request has left`;
  return new LensError('REMOTE_BUSY', `The remote server at ${context.host} is busy (${detail(status, serverMessage)}) ${tail}. Try again later.`);
}

/** The error for a request that got no response headers in time. */
export function timedOutFailure(context: FailureContext, waitedMs: number): LensError {
  return new LensError(
    'REMOTE_UNREACHABLE',
    `The remote server at ${context.host} did not answer within ${seconds(waitedMs)} (timed out): check that it is running and not overloaded.`,
  );
}

/** The error for an answer that was still streaming when the call's time ran out. */
export function unfinishedFailure(context: FailureContext, timeoutMs: number): LensError {
  return new LensError('TIMEOUT', `The remote server at ${context.host} did not finish its answer within ${seconds(timeoutMs)}; the request was stopped.`);
}

/** The error for an answer that is not the OpenAI API (an HTML page, text, JSON of another shape). */
export function notOpenAiFailure(context: FailureContext, what: string): LensError {
  return new LensError('REMOTE_SERVER_ERROR', `The remote server at ${context.host} answered with ${what}, not the OpenAI API: ${API_ROOT_HINT}.`);
}

/** The error a server reported inside a 200 answer or in the middle of its stream. */
export function reportedFailure(context: FailureContext, message: string): LensError {
  const shown = tidyMessage(message, context.apiKey) ?? 'no message';
  return new LensError('REMOTE_SERVER_ERROR', `The remote server at ${context.host} reported an error: ${shown}. Its log may say more.`);
}

/**
 * The error for a request that failed below HTTP: fetch's `TypeError` carries the socket or TLS
 * error as its cause (several, for a host with several addresses).
 */
export function networkFailure(error: unknown, context: FailureContext, hostname: string, midAnswer: boolean): LensError {
  const code = networkCodeOf(error);
  const { host } = context;
  if (code !== undefined && UNTRUSTED_CERTIFICATE.has(code)) {
    return new LensError(
      'REMOTE_TLS',
      `The remote server at ${host} presented a certificate that is not trusted (${code}). If it comes from your own or your company's certificate authority, start VS Code with the environment variable NODE_EXTRA_CA_CERTS set to that authority's PEM file; otherwise give the server a certificate from a trusted authority.`,
    );
  }
  if (code !== undefined && EXPIRED_CERTIFICATE.has(code)) {
    return new LensError('REMOTE_TLS', `The certificate of the remote server at ${host} is not valid now (${code}): renew it on the server.`);
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new LensError('REMOTE_TLS', `The certificate of the remote server at ${host} is for another host name (${code}): use the name the certificate was made for in ${URL_SETTING}.`);
  }
  if (code !== undefined && (code.startsWith('ERR_SSL_') || code === 'EPROTO')) {
    return new LensError('REMOTE_TLS', `The TLS handshake with ${host} failed (${code}); if the server speaks plain HTTP on that port, use an http:// address in ${URL_SETTING}.`);
  }
  const reason = code ?? innermostMessage(error);
  // fetch refuses the ports the Fetch standard blocks (6000, 6665-6669, 10080, …) before connecting.
  if (reason === 'bad port') return new LensError('REMOTE_UNREACHABLE', `The port of ${host} is one that web clients refuse to connect to (the Fetch standard's blocked ports): run the server on another port, like 8000.`);
  if (midAnswer) return new LensError('REMOTE_UNREACHABLE', `The connection to the remote server at ${host} broke off in the middle of its answer (${reason}).`);
  if (code === 'ECONNREFUSED') return new LensError('REMOTE_UNREACHABLE', `Nothing answers at ${host} (connection refused): start the server there, or correct ${URL_SETTING}.`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new LensError('REMOTE_UNREACHABLE', `The host name ${hostname} is not known (${code}): check ${URL_SETTING} and your network.`);
  if (code !== undefined && UNREACHABLE_HOST.has(code)) return new LensError('REMOTE_UNREACHABLE', `${host} cannot be reached (${code}): check ${URL_SETTING} and your network.`);
  if (code !== undefined && CONNECTION_DROPPED.has(code)) {
    return new LensError('REMOTE_UNREACHABLE', `The remote server at ${host} closed the connection (${code}): check that ${URL_SETTING} uses the scheme (http:// or https://) the server speaks.`);
  }
  return new LensError('REMOTE_UNREACHABLE', `The remote server at ${host} cannot be reached (${reason}): check ${URL_SETTING}.`);
}

/** The first error code in an error's cause chain (and in an AggregateError's errors). */
export function networkCodeOf(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const next = queue.shift();
    const record = asRecord(next);
    if (!record || seen.has(next)) continue;
    seen.add(next);
    if (typeof record.code === 'string' && record.code !== '') return record.code;
    if (Array.isArray(record.errors)) queue.push(...(record.errors as unknown[]));
    if ('cause' in record) queue.push(record.cause);
  }
  return undefined;
}

/** The message of the last error in a cause chain: fetch's own is only "fetch failed". */
function innermostMessage(error: unknown): string {
  let innermost = error;
  for (let depth = 0; depth < 8 && innermost instanceof Error && innermost.cause !== undefined; depth++) innermost = innermost.cause;
  return innermost instanceof Error ? innermost.message : String(innermost);
}

function seconds(ms: number): string {
  const value = ms / 1000;
  return `${value < 10 ? Number(value.toFixed(1)) : Math.round(value)} s`;
}
