/**
 * The HTTP side of the remote engine: completions and chat from an OpenAI-compatible server (vLLM,
 * llama.cpp's llama-server, Ollama, TGI, LM Studio, `transformers serve`), asked to stream and
 * handed on piece by piece as the server-sent events arrive; a server that answers with one JSON
 * body works too. A busy server (429/503) is retried within the call's time; every other failure
 * is one LensError a user can act on (see remoteFailures.ts); an abort ends the request, and its
 * connection, at once and resolves with the text so far.
 */

import { LensError } from '../common/errors';
import {
  asRecord,
  busyFailure,
  errorMessageOf,
  networkFailure,
  notOpenAiFailure,
  reportedFailure,
  serverMessageOf,
  statusFailure,
  timedOutFailure,
  unfinishedFailure,
  type FailureContext,
} from './remoteFailures';
import { SseDataParser } from './sseStream';

/** Where the server is: its OpenAI API root (ends in `/v1`, see serverAddress.ts) and the key, if any. */
export interface RemoteEndpoint {
  readonly baseUrl: string;
  readonly apiKey?: string;
}

/** Receives the generated text as it streams in. */
export interface StreamCallbacks {
  readonly onText: (piece: string) => void;
}

/** Limits of one call. */
export interface RemoteCallOptions {
  /** Aborting ends the HTTP request (its socket closes) at once. */
  readonly signal?: AbortSignal;
  /** The whole call, retries included. */
  readonly timeoutMs: number;
  /** No response headers by then: REMOTE_UNREACHABLE. Default: timeoutMs. */
  readonly firstByteTimeoutMs?: number;
}

/** What a generation call produced. */
export interface RemoteResult {
  readonly text: string;
  /** `aborted`: the caller's signal ended it; `unknown`: the server said nothing or something else. */
  readonly finishReason: 'stop' | 'length' | 'aborted' | 'unknown';
  /** From the server's `usage`, when it sends one. */
  readonly completionTokens?: number;
  readonly promptTokens?: number;
  /** From the start of the call (retries included) to the first text; totalMs when none came. */
  readonly firstTextMs: number;
  readonly totalMs: number;
  /** How many pieces onText received. */
  readonly pieces: number;
  /** Retries of a busy server before the answer came. */
  readonly retries: number;
}

/** The fields of a `/v1/completions` request that the caller chooses. */
export interface CompletionRequest {
  readonly model: string;
  readonly prompt: string;
  readonly max_tokens: number;
  readonly stop?: readonly string[];
  /** Default 0: greedy, so the same prompt gives the same text. */
  readonly temperature?: number;
}

/** One message of a chat. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** The fields of a `/v1/chat/completions` request that the caller chooses. */
export interface ChatRequest {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly max_tokens: number;
  readonly stop?: readonly string[];
  /** Default 0, as for completions. */
  readonly temperature?: number;
}

/** Retries of a busy server (HTTP 429 or 503) after the first try. */
export const MAX_BUSY_RETRIES = 3;
// Without Retry-After the waits are 250, 500, 1000 ms.
const FIRST_BUSY_BACKOFF_MS = 250;
// Even "Retry-After: 0" waits a little, so a busy server is not hammered.
const MIN_BUSY_WAIT_MS = 50;
// How long a 404's look at /v1/models may take; the error is reported either way.
const MODELS_LOOKUP_MS = 1000;
const MAX_JSON_ANSWER_CHARS = 16 * 1024 * 1024;
const MAX_ERROR_BODY_BYTES = 64 * 1024;
const USER_AGENT = 'attention-lens';

/** Streams a completion of `body.prompt` from `POST {baseUrl}/completions`. */
export function streamCompletion(endpoint: RemoteEndpoint, body: CompletionRequest, callbacks: StreamCallbacks, options: RemoteCallOptions): Promise<RemoteResult> {
  const payload = { model: body.model, prompt: body.prompt, max_tokens: body.max_tokens, ...stopField(body.stop), temperature: body.temperature ?? 0, stream: true };
  return generate(endpoint, '/completions', payload, body.model, callbacks, options);
}

/** Streams the assistant's answer to `body.messages` from `POST {baseUrl}/chat/completions`. */
export function streamChat(endpoint: RemoteEndpoint, body: ChatRequest, callbacks: StreamCallbacks, options: RemoteCallOptions): Promise<RemoteResult> {
  const messages = body.messages.map((message) => ({ role: message.role, content: message.content }));
  const payload = { model: body.model, messages, max_tokens: body.max_tokens, ...stopField(body.stop), temperature: body.temperature ?? 0, stream: true };
  return generate(endpoint, '/chat/completions', payload, body.model, callbacks, options);
}

/** The ids of the models the server offers (`GET {baseUrl}/models`). Aborting rejects with the signal's reason. */
export async function listModels(endpoint: RemoteEndpoint, options: RemoteCallOptions): Promise<string[]> {
  const call = new RemoteCall(endpoint, options, undefined, MAX_BUSY_RETRIES);
  try {
    return await call.modelIds();
  } catch (error) {
    throw call.failureOf(error, false);
  } finally {
    call.dispose();
  }
}

/** How long to wait before retrying a busy server: its Retry-After (seconds or an HTTP date), else a doubling backoff. */
export function busyWaitMs(retriesSoFar: number, retryAfter: string | null, nowMs: number): number {
  return Math.max(MIN_BUSY_WAIT_MS, retryAfterMs(retryAfter, nowMs) ?? FIRST_BUSY_BACKOFF_MS * 2 ** retriesSoFar);
}

/** A Retry-After header in milliseconds from `nowMs`, or undefined when absent or unreadable. */
export function retryAfterMs(retryAfter: string | null, nowMs: number): number | undefined {
  if (retryAfter === null) return undefined;
  const text = retryAfter.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function stopField(stop: readonly string[] | undefined): { stop?: string[] } {
  return stop !== undefined && stop.length > 0 ? { stop: [...stop] } : {};
}

async function generate(endpoint: RemoteEndpoint, path: string, payload: object, model: string, callbacks: StreamCallbacks, options: RemoteCallOptions): Promise<RemoteResult> {
  const call = new RemoteCall(endpoint, options, model, MAX_BUSY_RETRIES);
  const answer = new AnswerState(call, callbacks);
  try {
    const response = await call.send(path, JSON.stringify(payload));
    answer.receiving = true;
    await answer.read(response);
    return answer.result();
  } catch (error) {
    if (error instanceof CallbackError) throw error.cause;
    if (call.stopReason === 'aborted') return answer.result('aborted');
    throw call.failureOf(error, answer.receiving);
  } finally {
    call.dispose();
  }
}

/** An exception from the caller's onText: passed through as it is, never turned into a remote error. */
class CallbackError extends Error {
  constructor(override readonly cause: unknown) {
    super('onText failed');
  }
}

type StopReason = 'aborted' | 'deadline' | 'firstByte';

/** One call: its clock, its abort controller (fed by the caller's signal and the timers), and its requests. */
class RemoteCall {
  readonly context: FailureContext;
  retries = 0;
  private stopped: StopReason | undefined;
  private readonly startedAt = performance.now();
  private readonly base: string;
  private readonly hostname: string;
  private readonly controller = new AbortController();
  private readonly deadlineTimer: NodeJS.Timeout;
  private readonly onCallerAbort = (): void => this.stop('aborted');

  constructor(
    private readonly endpoint: RemoteEndpoint,
    private readonly options: RemoteCallOptions,
    model: string | undefined,
    private readonly maxRetries: number,
  ) {
    this.base = endpoint.baseUrl.replace(/\/+$/, '');
    let url: URL;
    try {
      url = new URL(this.base);
    } catch {
      throw new LensError('REMOTE_BAD_URL', `The remote server address ${JSON.stringify(this.base)} is not a web address.`);
    }
    this.hostname = url.hostname;
    this.context = { host: url.host, model, apiKey: endpoint.apiKey };
    this.deadlineTimer = setTimeout(() => this.stop('deadline'), Math.max(0, options.timeoutMs));
    if (options.signal?.aborted) this.stop('aborted');
    else options.signal?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  /** Why the call was stopped early, if it was. */
  get stopReason(): StopReason | undefined {
    return this.stopped;
  }

  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  /** Ends the call's connection and timers; an answer not read to its end is dropped with its socket. */
  dispose(): void {
    clearTimeout(this.deadlineTimer);
    this.options.signal?.removeEventListener('abort', this.onCallerAbort);
    this.controller.abort();
  }

  /** The error to reject with, for an exception raised while sending or (`receiving`) reading the answer. */
  failureOf(error: unknown, receiving: boolean): unknown {
    if (this.stopped === 'aborted') return this.options.signal?.reason ?? error;
    if (error instanceof LensError) return error;
    if (this.stopped === 'deadline' && receiving) return unfinishedFailure(this.context, this.options.timeoutMs);
    if (this.stopped !== undefined) return timedOutFailure(this.context, this.elapsedMs());
    return networkFailure(error, this.context, this.hostname, receiving);
  }

  /** Sends one request (POST with a JSON body, else GET), waiting out a busy server; resolves with a 2xx answer. */
  async send(path: string, body?: string): Promise<Response> {
    let resentOnFreshSocket = false;
    for (;;) {
      let response: Response;
      try {
        response = await this.attempt(path, body);
      } catch (error) {
        // A pooled connection the server closed without saying so (uvicorn does after a 500): the
        // request never reached it, so it goes once more, on a new connection.
        if (resentOnFreshSocket || this.stopped !== undefined || !closedBeforeAnswer(error)) throw error;
        resentOnFreshSocket = true;
        continue;
      }
      if (response.ok) return response;
      if (response.status !== 429 && response.status !== 503) throw await this.statusError(path, response);
      const message = await this.serverMessage(response);
      if (this.retries >= this.maxRetries) throw busyFailure(response.status, message, this.context, { retries: this.retries });
      const waitMs = busyWaitMs(this.retries, response.headers.get('retry-after'), Date.now());
      const leftMs = this.options.timeoutMs - this.elapsedMs();
      if (waitMs >= leftMs) throw busyFailure(response.status, message, this.context, { askedWaitMs: waitMs, leftMs: Math.max(0, leftMs) });
      await this.pause(waitMs);
      this.retries++;
    }
  }

  /** The ids in the server's `/models` list. */
  async modelIds(): Promise<string[]> {
    const response = await this.send('/models');
    const text = await readText(response, MAX_JSON_ANSWER_CHARS);
    const list = asRecord(parseJson(text))?.data;
    if (!Array.isArray(list)) throw notOpenAiFailure(this.context, 'something other than a model list');
    return list.flatMap((entry) => {
      const id = asRecord(entry)?.id;
      return typeof id === 'string' ? [id] : [];
    });
  }

  private stop(reason: StopReason): void {
    if (this.stopped !== undefined) return;
    this.stopped = reason;
    this.controller.abort();
  }

  private async attempt(path: string, body: string | undefined): Promise<Response> {
    const waitMs = Math.min(this.options.firstByteTimeoutMs ?? this.options.timeoutMs, this.options.timeoutMs - this.elapsedMs());
    const firstByteTimer = setTimeout(() => this.stop('firstByte'), Math.max(0, waitMs));
    try {
      return await fetch(this.base + path, {
        method: body === undefined ? 'GET' : 'POST',
        headers: this.headers(body !== undefined),
        body,
        signal: this.controller.signal,
        // A redirect is reported, not followed: a POST would turn into a GET, and the key would go elsewhere.
        redirect: 'manual',
      });
    } finally {
      clearTimeout(firstByteTimer);
    }
  }

  private headers(sendsJson: boolean): Record<string, string> {
    const headers: Record<string, string> = { Accept: sendsJson ? 'text/event-stream, application/json' : 'application/json', 'User-Agent': USER_AGENT };
    if (sendsJson) headers['Content-Type'] = 'application/json';
    if (this.endpoint.apiKey) headers.Authorization = `Bearer ${this.endpoint.apiKey}`;
    return headers;
  }

  private async statusError(path: string, response: Response): Promise<LensError> {
    const message = await this.serverMessage(response);
    const offeredModels = response.status === 404 && this.context.model !== undefined ? await this.offeredModels() : undefined;
    return statusFailure(response.status, message, this.context, { path: new URL(this.base + path).pathname, offeredModels, location: response.headers.get('location') });
  }

  /** The models a 404's message can suggest, if `/models` answers quickly; it is never retried. */
  private async offeredModels(): Promise<string[] | undefined> {
    const timeoutMs = Math.min(MODELS_LOOKUP_MS, this.options.timeoutMs - this.elapsedMs());
    if (timeoutMs <= 0) return undefined;
    const lookup = new RemoteCall(this.endpoint, { signal: this.controller.signal, timeoutMs }, undefined, 0);
    try {
      return await lookup.modelIds();
    } catch {
      return undefined;
    } finally {
      lookup.dispose();
    }
  }

  private async serverMessage(response: Response): Promise<string | undefined> {
    try {
      return serverMessageOf(await readText(response, MAX_ERROR_BODY_BYTES), this.endpoint.apiKey);
    } catch {
      return undefined;
    }
  }

  private pause(ms: number): Promise<void> {
    const signal = this.controller.signal;
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

type BodyFormat = 'sse' | 'json' | 'other';

/** The text, finish reason and usage gathered from one answer, streamed or not. */
class AnswerState {
  /** The response headers have come: a failure from now on breaks off an answer. */
  receiving = false;
  private text = '';
  private pieces = 0;
  private firstTextMs: number | undefined;
  private finishReason: RemoteResult['finishReason'] = 'unknown';
  private promptTokens: number | undefined;
  private completionTokens: number | undefined;

  constructor(
    private readonly call: RemoteCall,
    private readonly callbacks: StreamCallbacks,
  ) {}

  /** Reads the answer to its end (or to `[DONE]`), passing each piece of text on. */
  async read(response: Response): Promise<void> {
    const contentType = (response.headers.get('content-type') ?? '').toLowerCase();
    let format = formatOfContentType(contentType);
    if (format === 'other') throw notOpenAiFailure(this.call.context, `content of type ${contentType.split(';')[0].trim()}`);
    if (!response.body) throw notOpenAiFailure(this.call.context, 'an empty answer');
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const events = new SseDataParser();
    let head = '';
    let json = '';
    for (;;) {
      const { done, value } = await reader.read();
      let text = done ? decoder.decode() : decoder.decode(value, { stream: true });
      if (format === undefined) {
        head += text;
        format = sniffFormat(head, done);
        if (format === undefined) continue;
        if (format === 'other') throw notOpenAiFailure(this.call.context, 'text that is neither JSON nor server-sent events');
        text = head;
      }
      if (format === 'sse') {
        const datas = done ? [...events.push(text), ...events.end()] : events.push(text);
        if (datas.some((data) => this.takeEvent(data))) return;
      } else {
        json += text;
        if (json.length > MAX_JSON_ANSWER_CHARS) throw notOpenAiFailure(this.call.context, 'an answer of more than 16 MB');
      }
      if (done) break;
    }
    if (format === 'json') this.takeJson(json);
  }

  /** The result so far; `aborted` overrides what the server said. */
  result(finishReason?: 'aborted'): RemoteResult {
    const totalMs = this.call.elapsedMs();
    return {
      text: this.text,
      finishReason: finishReason ?? this.finishReason,
      ...(this.completionTokens !== undefined ? { completionTokens: this.completionTokens } : {}),
      ...(this.promptTokens !== undefined ? { promptTokens: this.promptTokens } : {}),
      firstTextMs: this.firstTextMs ?? totalMs,
      totalMs,
      pieces: this.pieces,
      retries: this.call.retries,
    };
  }

  /** Takes one event's data; true at `[DONE]`. */
  private takeEvent(data: string): boolean {
    if (data.trim() === '[DONE]') return true;
    const chunk = parseJson(data);
    if (chunk === undefined) throw notOpenAiFailure(this.call.context, `an event that is not JSON (${JSON.stringify(data.slice(0, 40))})`);
    this.takeChunk(chunk);
    return false;
  }

  private takeJson(text: string): void {
    const answer = parseJson(text);
    if (answer === undefined) throw notOpenAiFailure(this.call.context, 'a body that is not JSON');
    this.takeChunk(answer);
  }

  /** One streamed chunk or the whole non-streamed answer: `choices[0]`'s text, its finish reason, and `usage`. */
  private takeChunk(chunk: unknown): void {
    const error = errorMessageOf(chunk);
    if (error !== undefined) throw reportedFailure(this.call.context, error);
    const record = asRecord(chunk);
    const usage = asRecord(record?.usage);
    if (!record || (!Array.isArray(record.choices) && !usage)) throw notOpenAiFailure(this.call.context, 'JSON without choices');
    if (usage) {
      if (typeof usage.prompt_tokens === 'number') this.promptTokens = usage.prompt_tokens;
      if (typeof usage.completion_tokens === 'number') this.completionTokens = usage.completion_tokens;
    }
    const choice = Array.isArray(record.choices) ? asRecord(record.choices[0]) : undefined;
    if (!choice) return;
    const piece = textOfChoice(choice);
    if (piece !== '') {
      this.text += piece;
      this.pieces++;
      this.firstTextMs ??= this.call.elapsedMs();
      try {
        this.callbacks.onText(piece);
      } catch (error) {
        throw new CallbackError(error);
      }
    }
    if (typeof choice.finish_reason === 'string') this.finishReason = finishReasonOf(choice.finish_reason);
  }
}

/** A choice's text: `text` (completions), `delta.content` (streamed chat), `message.content` (chat). */
function textOfChoice(choice: Record<string, unknown>): string {
  if (typeof choice.text === 'string') return choice.text;
  for (const holder of [asRecord(choice.delta), asRecord(choice.message)]) {
    if (typeof holder?.content === 'string') return holder.content;
  }
  return '';
}

function finishReasonOf(reason: string): RemoteResult['finishReason'] {
  switch (reason) {
    case 'stop':
    case 'eos':
    case 'eos_token':
    case 'stop_sequence':
      return 'stop';
    case 'length':
    case 'max_tokens':
      return 'length';
    default:
      return 'unknown';
  }
}

/** The format a content type promises; undefined: look at the body (text/plain, none given). */
function formatOfContentType(contentType: string): BodyFormat | undefined {
  if (contentType.includes('text/event-stream')) return 'sse';
  if (contentType.includes('json')) return 'json';
  if (contentType === '' || contentType.startsWith('text/plain') || contentType.startsWith('application/octet-stream')) return undefined;
  return 'other';
}

/** Whether `error` is a connection that closed before any answer came (a stale pooled socket). */
function closedBeforeAnswer(error: unknown): boolean {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === 'string' && STALE_SOCKET_CODES.has(cause.code);
}

const STALE_SOCKET_CODES: ReadonlySet<string> = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'UND_ERR_CLOSED']);

/** The format the start of a body shows, or undefined while too little of it has come. */
function sniffFormat(head: string, done: boolean): BodyFormat | undefined {
  const start = head.trimStart();
  if (start.startsWith('{')) return 'json';
  if (start.startsWith(':') || /^(data|event|id|retry):/.test(start)) return 'sse';
  const couldStillBeSse = ['data:', 'event:', 'retry:', 'id:'].some((field) => field.startsWith(start));
  return done || !couldStillBeSse ? 'other' : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A response body as text, cut after `maxBytes` (the rest is dropped with the connection). */
async function readText(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    bytes += value.byteLength;
    text += decoder.decode(value, { stream: true });
    if (bytes >= maxBytes) {
      await reader.cancel().catch(() => undefined);
      return text;
    }
  }
}
