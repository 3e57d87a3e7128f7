/** Error codes shared by worker, host and webview, each with an action a user can take. */

export type ErrorCode =
  | 'MODEL_NOT_FOUND'
  | 'MODEL_INVALID'
  | 'DOWNLOAD_NOT_ALLOWED'
  | 'DOWNLOAD_FAILED'
  /** The user cancelled a model's download; what was fetched is kept to resume. */
  | 'DOWNLOAD_CANCELLED'
  /** The Hub refused a file (HTTP 401/403): a gated or private model that needs an access token. */
  | 'DOWNLOAD_UNAUTHORIZED'
  | 'BACKEND_UNAVAILABLE'
  /** The device asked for needs the other ONNX Runtime build than the worker runs; the host starts a new worker. */
  | 'RUNTIME_MISMATCH'
  | 'NOT_LOADED'
  | 'PROMPT_TOO_LONG'
  /** The model would take more memory than the machine has. */
  | 'NOT_ENOUGH_MEMORY'
  | 'TIMEOUT'
  | 'WORKER_CRASHED'
  /** The worker crashed several times in a row; it is not restarted until the model is reloaded. */
  | 'WORKER_CRASH_LOOP'
  | 'WORKER_STOPPED'
  /** A newer request of the same kind replaced this one before it started (e.g. a newer load). */
  | 'SUPERSEDED'
  | 'BAD_REQUEST'
  | 'INTERNAL'
  /** attentionLens.remote.url is not a usable server address. */
  | 'REMOTE_BAD_URL'
  /** The remote server could not be reached: connection refused, unknown host, or no answer in time. */
  | 'REMOTE_UNREACHABLE'
  /** The TLS handshake with the remote server failed (untrusted or expired certificate, wrong host name). */
  | 'REMOTE_TLS'
  /** The remote server refused the API key (HTTP 401 or 403). */
  | 'REMOTE_AUTH'
  /** The remote server does not serve the model named in the settings (HTTP 404). */
  | 'REMOTE_MODEL_NOT_FOUND'
  /** The remote server stayed busy (HTTP 429 or 503) through every retry. */
  | 'REMOTE_BUSY'
  /** The remote server failed (HTTP 5xx) or answered with something that is not the OpenAI API. */
  | 'REMOTE_SERVER_ERROR'
  /** The user has not (yet) allowed code to be sent to the remote server. */
  | 'REMOTE_NOT_ALLOWED';

/** What the user can do about an error; the host turns it into a notification button. */
export type ErrorAction = 'openSettings' | 'allowDownloads' | 'reload' | 'setApiKey' | 'setHubToken' | 'allowRemote' | 'none';

const ACTIONS: Readonly<Record<ErrorCode, ErrorAction>> = {
  MODEL_NOT_FOUND: 'openSettings',
  MODEL_INVALID: 'openSettings',
  DOWNLOAD_NOT_ALLOWED: 'allowDownloads',
  DOWNLOAD_FAILED: 'reload',
  DOWNLOAD_CANCELLED: 'none',
  DOWNLOAD_UNAUTHORIZED: 'setHubToken',
  BACKEND_UNAVAILABLE: 'openSettings',
  RUNTIME_MISMATCH: 'reload',
  NOT_LOADED: 'reload',
  PROMPT_TOO_LONG: 'none',
  NOT_ENOUGH_MEMORY: 'openSettings',
  TIMEOUT: 'none',
  WORKER_CRASHED: 'reload',
  WORKER_CRASH_LOOP: 'reload',
  WORKER_STOPPED: 'none',
  SUPERSEDED: 'none',
  BAD_REQUEST: 'none',
  INTERNAL: 'reload',
  REMOTE_BAD_URL: 'openSettings',
  REMOTE_UNREACHABLE: 'openSettings',
  REMOTE_TLS: 'openSettings',
  REMOTE_AUTH: 'setApiKey',
  REMOTE_MODEL_NOT_FOUND: 'openSettings',
  REMOTE_BUSY: 'none',
  REMOTE_SERVER_ERROR: 'none',
  REMOTE_NOT_ALLOWED: 'allowRemote',
};

/** The action offered to the user for an error code. */
export function actionFor(code: ErrorCode): ErrorAction {
  return ACTIONS[code];
}

/** An error that carries a protocol code across the worker boundary. */
export class LensError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LensError';
  }
}

