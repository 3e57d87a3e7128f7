// The attention panel's door for webview messages (WebviewInbox, as AttentionPanel uses it), fed
// 60 000 generated messages: valid ones, valid ones with one field broken, wrong-typed, oversized,
// cyclic, sparse, hostile objects and values no JSON could carry. The host must never throw, must
// hand on only messages that an independent, stricter check accepts, must answer a flood with one
// answer per type per turn, and must spend little time on any single message, however big.
import * as assert from 'assert';
import { WebviewInbox, type CaptureShape, type InboxHandlers } from '../../src/attention/webviewInbox';
import { MAX_EXPORT_JSON_CHARS, MAX_EXPORT_PNG_CHARS, type FromWebviewMessage } from '../../src/common/webviewProtocol';

const SHAPE: CaptureShape = { layers: 8, heads: 6, tokens: 300 };
const MESSAGES = 60_000;

/** A small seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Built once: the big values are shared between messages so the fuzz itself stays small in memory.
// Flat, as a string from JSON.parse is ('x'.repeat builds a rope that the first read flattens).
const HUGE_STRING = Buffer.alloc(MAX_EXPORT_PNG_CHARS + 1, 'A').toString('latin1');
const HUGE_ARRAY = new Array(2_000_000).fill(1);
const SPARSE = new Array(5);
const DEEP = (() => {
  let value: Record<string, unknown> = {};
  for (let i = 0; i < 100_000; i++) value = { selection: value, type: 'selectionChanged' };
  return value;
})();
const CYCLIC: Record<string, unknown> = { type: 'ready' };
CYCLIC.selection = CYCLIC;
const THROWING = new Proxy({}, { get: () => { throw new Error('trap'); }, has: () => { throw new Error('trap'); }, ownKeys: () => { throw new Error('trap'); } });

const ODD_VALUES: readonly unknown[] = [
  undefined, null, true, 0, -0, -1, 0.5, 1e308, -1e308, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 31, 1 << 20, (1 << 20) + 1, 1023, 1024,
  '', '0', '1', 'mean', 'matrix', 'evil', 'data:image/png;base64,', HUGE_STRING, '__proto__', 10n, Symbol('s'), () => 1,
  [], [0], ['0'], SPARSE, HUGE_ARRAY, {}, { valueOf: () => 3 }, new Date(0), new Map([[1, 2]]), new Float32Array(4), DEEP, CYCLIC, THROWING,
  JSON.parse('{"__proto__": {"polluted": true}}'),
];

function validTemplates(pick: () => number): Record<string, unknown>[] {
  const selection = () => ({ view: ['matrix', 'heads', 'headView', 'steps', 'confidence', 'rollout', 'lens', 'whatIf', 'tour'][Math.floor(pick() * 9)], layer: Math.floor(pick() * SHAPE.layers), head: pick() < 0.3 ? 'mean' : Math.floor(pick() * SHAPE.heads), heads: [0, 1], queryToken: Math.floor(pick() * SHAPE.tokens) });
  return [
    { type: 'ready' },
    { type: 'ready', selection: selection() },
    { type: 'needVectors' },
    { type: 'selectionChanged', selection: selection() },
    { type: 'revealToken', index: Math.floor(pick() * SHAPE.tokens) },
    {
      type: 'probe',
      probeId: Math.floor(pick() * 1000),
      request: {
        position: Math.floor(pick() * SHAPE.tokens),
        lens: pick() < 0.5,
        maskedPositions: [Math.floor(pick() * SHAPE.tokens)],
        knockedOutHeads: [{ layer: Math.floor(pick() * SHAPE.layers), head: Math.floor(pick() * SHAPE.heads) }],
        continuation: pick() < 0.5,
      },
    },
    { type: 'export', format: 'png', dataUrl: 'data:image/png;base64,iVBORw0KGgo=' },
    { type: 'export', format: 'json', json: '{"tokens":[]}' },
    { type: 'rendered', view: 'steps', ms: pick() * 100 },
    { type: 'rendered', view: 'matrix', ms: 5, arrivedAt: Date.now() },
  ];
}

/** One generated message: a valid one, one with a field broken or removed or added, or an odd value. */
function generate(pick: () => number): unknown {
  const odd = () => ODD_VALUES[Math.floor(pick() * ODD_VALUES.length)];
  const roll = pick();
  if (roll < 0.1) return odd();
  const templates = validTemplates(pick);
  const message = templates[Math.floor(pick() * templates.length)];
  if (roll < 0.3) return message;
  const keys = Object.keys(message);
  const mutation = pick();
  if (mutation < 0.2) {
    delete message[keys[Math.floor(pick() * keys.length)]];
  } else if (mutation < 0.7) {
    message[keys[Math.floor(pick() * keys.length)]] = odd();
  } else if (mutation < 0.9 && (typeof message.selection === 'object' || typeof message.request === 'object')) {
    const selection = (message.selection ?? message.request) as Record<string, unknown>;
    const fields = Object.keys(selection);
    selection[fields[Math.floor(pick() * fields.length)]] = odd();
  } else {
    message[['command', 'type', '__proto__', 'constructor', 'then'][Math.floor(pick() * 5)]] = odd();
  }
  return message;
}

const isIndex = (v: unknown, below: number) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v < below;
const exactKeys = (o: object, allowed: readonly string[]) => Object.keys(o).every((k) => allowed.includes(k)) && allowed.filter((k) => k in o).length === Object.keys(o).length;

/** The independent check: what a handed-on message must be, written without the parser's code. */
function isWellFormed(message: FromWebviewMessage): boolean {
  const m = message as unknown as Record<string, unknown>;
  const selectionOk = (s: unknown, fit: boolean) => {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) return false;
    const v = s as Record<string, unknown>;
    const limit = (n: number) => (fit ? n : 1024);
    return (
      exactKeys(v, ['view', 'layer', 'head', 'heads', 'queryToken']) &&
      ['matrix', 'heads', 'headView', 'steps', 'confidence', 'rollout', 'lens', 'whatIf', 'tour'].includes(v.view as string) &&
      isIndex(v.layer, limit(SHAPE.layers)) &&
      (v.head === 'mean' || isIndex(v.head, limit(SHAPE.heads))) &&
      Array.isArray(v.heads) &&
      Object.keys(v.heads).length === v.heads.length &&
      v.heads.every((h) => isIndex(h, limit(SHAPE.heads))) &&
      isIndex(v.queryToken, fit ? SHAPE.tokens : (1 << 20) + 1)
    );
  };
  switch (m.type) {
    case 'ready':
      return exactKeys(m, ['type', 'selection']) && (m.selection === undefined ? !('selection' in m) : selectionOk(m.selection, false));
    case 'needVectors':
      return exactKeys(m, ['type']);
    case 'selectionChanged':
      return exactKeys(m, ['type', 'selection']) && selectionOk(m.selection, true);
    case 'revealToken':
      return exactKeys(m, ['type', 'index']) && isIndex(m.index, SHAPE.tokens);
    case 'probe': {
      const r = m.request as Record<string, unknown>;
      const heads = r.knockedOutHeads as { layer: unknown; head: unknown }[];
      return (
        exactKeys(m, ['type', 'probeId', 'request']) &&
        Number.isSafeInteger(m.probeId) &&
        exactKeys(r, ['position', 'lens', 'maskedPositions', 'knockedOutHeads', 'continuation']) &&
        isIndex(r.position, SHAPE.tokens) &&
        typeof r.lens === 'boolean' &&
        typeof r.continuation === 'boolean' &&
        Array.isArray(r.maskedPositions) &&
        r.maskedPositions.every((p) => isIndex(p, SHAPE.tokens)) &&
        Array.isArray(heads) &&
        heads.every((h) => exactKeys(h, ['layer', 'head']) && isIndex(h.layer, SHAPE.layers) && isIndex(h.head, SHAPE.heads))
      );
    }
    case 'export':
      return m.format === 'png'
        ? exactKeys(m, ['type', 'format', 'dataUrl']) && typeof m.dataUrl === 'string' && m.dataUrl.startsWith('data:image/png;base64,') && m.dataUrl.length <= MAX_EXPORT_PNG_CHARS
        : m.format === 'json' && exactKeys(m, ['type', 'format', 'json']) && typeof m.json === 'string' && m.json.length <= MAX_EXPORT_JSON_CHARS;
    case 'rendered':
      return (
        exactKeys(m, ['type', 'view', 'ms', 'arrivedAt']) &&
        ['matrix', 'heads', 'headView', 'steps', 'confidence', 'rollout', 'lens', 'whatIf', 'tour'].includes(m.view as string) &&
        Number.isFinite(m.ms) &&
        (m.arrivedAt === undefined ? !('arrivedAt' in m) : Number.isFinite(m.arrivedAt))
      );
    default:
      return false;
  }
}

describe('Webview fuzz: the attention panel host takes any message', function () {
  this.timeout(120_000);

  it(`never throws and hands on only well-formed messages, one per type per turn (${MESSAGES} messages)`, async () => {
    const pick = random(20261201);
    const handedOn: FromWebviewMessage[] = [];
    const malformed: string[] = [];
    let turns = 0;
    const record = (message: FromWebviewMessage) => {
      handedOn.push(message);
      if (!isWellFormed(message)) malformed.push(JSON.stringify(message).slice(0, 300));
    };
    const handlers: InboxHandlers = { ready: record, needVectors: record, selectionChanged: record, revealToken: record, probe: record, export: record, rendered: record };
    let logLines = 0;
    const inbox = new WebviewInbox(handlers, () => SHAPE, () => logLines++);
    let slowest = 0;
    let thrown = 0;
    let sent = 0;
    while (sent < MESSAGES) {
      // Bursts of 1 to 400 messages per turn, as a looping script would post them.
      const burst = 1 + Math.floor(pick() * 400);
      for (let i = 0; i < burst && sent < MESSAGES; i++, sent++) {
        const message = generate(pick);
        const t0 = performance.now();
        try {
          inbox.receive(message);
        } catch {
          thrown++;
        }
        slowest = Math.max(slowest, performance.now() - t0);
      }
      const before = handedOn.length;
      await new Promise<void>((resolve) => setImmediate(resolve));
      turns++;
      const types = handedOn.slice(before).map((m) => m.type);
      assert.strictEqual(new Set(types).size, types.length, `turn ${turns} handed on a type twice: ${types.join(', ')}`);
    }
    const { ignored, coalesced } = inbox.counts;
    console.log(`      ${MESSAGES} messages in ${turns} turns: ${handedOn.length} handed on, ${coalesced} folded into a later one, ${ignored} ignored; ${logLines} log lines; slowest receive ${slowest.toFixed(2)} ms`);
    assert.strictEqual(thrown, 0);
    assert.deepStrictEqual(malformed.slice(0, 5), [], `${malformed.length} malformed messages were handed on`);
    assert.strictEqual(handedOn.length + coalesced + ignored, MESSAGES, 'every message is handed on, folded or ignored');
    assert.ok(ignored > MESSAGES / 3 && handedOn.length > 1000, `the fuzz must exercise both sides (ignored ${ignored}, handed on ${handedOn.length})`);
    assert.ok(logLines < 20, `the log stays short under a flood (${logLines} lines)`);
    // Generous: a message is judged without reading it whole (a 64 MB string, a 2-million-item array, 100 000 levels of nesting).
    assert.ok(slowest < 50, `the slowest single message took ${slowest.toFixed(1)} ms`);
  });
});
