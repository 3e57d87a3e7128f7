/** Checks at run time that a message from the host is a well-formed worker request. */

import { LensError } from '../common/errors';
import { DEVICE_CHOICES, DTYPE_CHOICES, isOneOf } from '../common/deviceChoices';
import type { WorkerRequest } from '../common/protocol';

function fail(detail: string): never {
  throw new LensError('BAD_REQUEST', `Malformed request to the inference worker: ${detail}.`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns the message typed as a request, or throws BAD_REQUEST saying what is wrong. */
export function parseWorkerRequest(message: unknown): WorkerRequest {
  if (!isRecord(message)) fail('not an object');
  if (typeof message.id !== 'number' || !Number.isInteger(message.id)) fail('no integer id');
  switch (message.type) {
    case 'load': {
      const source = message.source;
      if (!isRecord(source) || (source.kind !== 'folder' && source.kind !== 'hub')) fail('load without a model source');
      if (!isOneOf(message.device, DEVICE_CHOICES)) fail(`unknown device ${String(message.device)}`);
      if (!isOneOf(message.dtype, DTYPE_CHOICES)) fail(`unknown dtype ${String(message.dtype)}`);
      // Sent as an HTTP header: anything but a printable one-line token is refused.
      if (message.hubToken !== undefined && (typeof message.hubToken !== 'string' || !/^[\x21-\x7e]{1,512}$/.test(message.hubToken))) fail('hubToken must be a printable token');
      return message as unknown as WorkerRequest;
    }
    case 'generate': {
      if (typeof message.prompt !== 'string') fail('generate without a prompt');
      const max = message.maxNewTokens;
      if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 4096) fail('maxNewTokens must be an integer in 1..4096');
      if (message.priority !== 'completion' && message.priority !== 'command') fail('unknown priority');
      const blocked = message.blockedTokenIds;
      if (blocked !== undefined && (!Array.isArray(blocked) || !blocked.every((x) => Number.isInteger(x)))) fail('blockedTokenIds must be integers');
      return message as unknown as WorkerRequest;
    }
    case 'complete': {
      if (typeof message.prefix !== 'string' || typeof message.suffix !== 'string') fail('complete needs prefix and suffix text');
      for (const key of ['budgetTokens', 'maxNewTokens'] as const) {
        const value = message[key];
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 32768) fail(`${key} must be a positive integer`);
      }
      const stop = message.stop;
      if (!isRecord(stop) || typeof stop.singleLine !== 'boolean' || typeof stop.linePrefix !== 'string') fail('complete needs stop rules');
      return message as unknown as WorkerRequest;
    }
    case 'summarize': {
      if (typeof message.code !== 'string' || typeof message.languageId !== 'string') fail('summarize needs code and a languageId');
      const max = message.maxNewTokens;
      if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 512) fail('maxNewTokens must be an integer in 1..512');
      return message as unknown as WorkerRequest;
    }
    case 'attention': {
      if (typeof message.text !== 'string') fail('attention needs text');
      const max = message.maxTokens;
      if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 8192) fail('maxTokens must be an integer in 1..8192');
      const budget = message.budgetBytes;
      if (budget !== undefined && (typeof budget !== 'number' || !Number.isFinite(budget) || budget < 1)) fail('budgetBytes must be a positive number');
      const origin = message.origin;
      if (!isRecord(origin) || typeof origin.kind !== 'string' || typeof origin.label !== 'string') fail('attention needs an origin');
      return message as unknown as WorkerRequest;
    }
    case 'probe': {
      const ids = message.tokenIds;
      if (!Array.isArray(ids) || ids.length < 1 || ids.length > 8192 || !ids.every((id) => Number.isInteger(id) && id >= 0)) fail('probe needs token ids');
      const position = message.position;
      if (typeof position !== 'number' || !Number.isInteger(position) || position < 0 || position >= ids.length) fail('probe position must be a token index');
      const masked = message.maskedPositions;
      if (!Array.isArray(masked) || !masked.every((p) => Number.isInteger(p) && p >= 0 && p < ids.length)) fail('maskedPositions must be token indexes');
      const heads = message.knockedOutHeads;
      if (!Array.isArray(heads) || !heads.every((h) => isRecord(h) && Number.isInteger(h.layer) && Number.isInteger(h.head) && (h.layer as number) >= 0 && (h.head as number) >= 0)) {
        fail('knockedOutHeads must be {layer, head} pairs');
      }
      if (typeof message.lens !== 'boolean' || typeof message.continuation !== 'boolean') fail('probe needs lens and continuation flags');
      return message as unknown as WorkerRequest;
    }
    case 'cancel':
      return message as unknown as WorkerRequest;
    case 'exit':
      if (typeof message.code !== 'number') fail('exit without a code');
      return message as unknown as WorkerRequest;
    case 'stats':
      if (message.collectGarbage !== undefined && typeof message.collectGarbage !== 'boolean') fail('collectGarbage must be a boolean');
      return message as unknown as WorkerRequest;
    default:
      fail(`unknown type ${JSON.stringify(message.type)}`);
  }
}
