import * as assert from 'assert';
import { describe as describeValue, WebviewInbox, type CaptureShape, type InboxHandlers } from '../../src/attention/webviewInbox';
import type { FromWebviewMessage } from '../../src/common/webviewProtocol';

const selection = { view: 'matrix', layer: 1, head: 2, heads: [0, 2], queryToken: 4 } as const;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** An inbox whose handlers record what reaches them, in order. */
function recordingInbox(options: { readonly shape?: CaptureShape | 'none'; readonly failOn?: FromWebviewMessage['type'] } = {}) {
  const shape = options.shape === 'none' ? undefined : (options.shape ?? { layers: 2, heads: 3, tokens: 5 });
  const failOn = options.failOn;
  const received: FromWebviewMessage[] = [];
  const log: string[] = [];
  const record = (message: FromWebviewMessage) => {
    if (message.type === failOn) throw new Error(`handler for ${failOn} broke`);
    received.push(message);
  };
  const handlers: InboxHandlers = { ready: record, needVectors: record, selectionChanged: record, revealToken: record, probe: record, export: record, rendered: record };
  const inbox = new WebviewInbox(handlers, () => shape, (line) => log.push(line));
  return { inbox, received, log };
}

describe('WebviewInbox', () => {
  it('hands on valid messages on the next turn, in the order they came', async () => {
    const { inbox, received } = recordingInbox();
    inbox.receive({ type: 'ready', selection });
    inbox.receive({ type: 'revealToken', index: 4 });
    inbox.receive({ type: 'rendered', view: 'matrix', ms: 3 });
    assert.strictEqual(received.length, 0, 'nothing is handled inside onDidReceiveMessage itself');
    await nextTurn();
    assert.deepStrictEqual(received.map((m) => m.type), ['ready', 'revealToken', 'rendered']);
  });

  it('answers a flood of ready and needVectors once per turn, with the latest of each', async () => {
    const { inbox, received } = recordingInbox();
    for (let i = 0; i < 10_000; i++) {
      inbox.receive({ type: 'needVectors' });
      inbox.receive({ type: 'ready', selection: { ...selection, queryToken: i % 5 } });
    }
    await nextTurn();
    assert.deepStrictEqual(received, [{ type: 'needVectors' }, { type: 'ready', selection: { ...selection, queryToken: 9_999 % 5 } }]);
    assert.deepStrictEqual(inbox.counts, { ignored: 0, coalesced: 19_998 });
  });

  it('keeps the order of the latest arrivals when types interleave', async () => {
    const { inbox, received } = recordingInbox();
    inbox.receive({ type: 'selectionChanged', selection: { ...selection, layer: 0 } });
    inbox.receive({ type: 'ready' });
    inbox.receive({ type: 'selectionChanged', selection: { ...selection, layer: 1 } });
    await nextTurn();
    assert.deepStrictEqual(received, [{ type: 'ready' }, { type: 'selectionChanged', selection: { ...selection, layer: 1 } }]);
  });

  it('drops a token or a selection that points outside the capture shown', async () => {
    const { inbox, received } = recordingInbox({ shape: { layers: 2, heads: 3, tokens: 5 } });
    inbox.receive({ type: 'revealToken', index: 5 });
    inbox.receive({ type: 'selectionChanged', selection: { ...selection, layer: 2 } });
    inbox.receive({ type: 'selectionChanged', selection: { ...selection, head: 3 } });
    inbox.receive({ type: 'selectionChanged', selection: { ...selection, heads: [0, 3] } });
    inbox.receive({ type: 'selectionChanged', selection: { ...selection, queryToken: 5 } });
    await nextTurn();
    assert.strictEqual(received.length, 0);
    assert.strictEqual(inbox.counts.ignored, 5);
  });

  it('drops a probe that points outside the capture shown, and hands on one that fits', async () => {
    const { inbox, received } = recordingInbox({ shape: { layers: 2, heads: 3, tokens: 5 } });
    const request = { position: 4, lens: true, maskedPositions: [1], knockedOutHeads: [{ layer: 1, head: 2 }], continuation: true };
    inbox.receive({ type: 'probe', probeId: 1, request: { ...request, position: 5 } });
    inbox.receive({ type: 'probe', probeId: 2, request: { ...request, maskedPositions: [5] } });
    inbox.receive({ type: 'probe', probeId: 3, request: { ...request, knockedOutHeads: [{ layer: 2, head: 0 }] } });
    inbox.receive({ type: 'probe', probeId: 4, request: { ...request, knockedOutHeads: [{ layer: 0, head: 3 }] } });
    await nextTurn();
    assert.strictEqual(received.length, 0);
    assert.strictEqual(inbox.counts.ignored, 4);
    inbox.receive({ type: 'probe', probeId: 5, request });
    await nextTurn();
    assert.deepStrictEqual(received, [{ type: 'probe', probeId: 5, request }]);
  });

  it('takes a restored selection with ready even when it does not fit (the host clamps it)', async () => {
    const { inbox, received } = recordingInbox({ shape: { layers: 2, heads: 3, tokens: 5 } });
    inbox.receive({ type: 'ready', selection: { ...selection, layer: 11 } });
    await nextTurn();
    assert.deepStrictEqual(received, [{ type: 'ready', selection: { ...selection, layer: 11 } }]);
  });

  it('checks only the parse limits before the first capture', async () => {
    const { inbox, received } = recordingInbox({ shape: 'none' });
    inbox.receive({ type: 'revealToken', index: 900 });
    await nextTurn();
    assert.deepStrictEqual(received, [{ type: 'revealToken', index: 900 }]);
  });

  it('survives a failing handler: the rest of the turn is handled and the failure logged', async () => {
    const { inbox, received, log } = recordingInbox({ shape: 'none', failOn: 'ready' });
    inbox.receive({ type: 'ready' });
    inbox.receive({ type: 'revealToken', index: 1 });
    await nextTurn();
    assert.deepStrictEqual(received, [{ type: 'revealToken', index: 1 }]);
    assert.match(log.join('\n'), /handling the panel's 'ready' failed: handler for ready broke/);
  });

  it('logs the first ten ignored messages in full, then only counts at powers of ten', () => {
    const { inbox, log } = recordingInbox();
    for (let i = 0; i < 1000; i++) inbox.receive({ type: 'runCommand', i });
    assert.strictEqual(log.length, 10 + 2, log.join('\n'));
    assert.match(log[0], /ignored an unexpected message from the panel: an object \(type "runCommand"; keys "type", "i"\)/);
    assert.deepStrictEqual(log.slice(10), ['[attention] ignored 100 unexpected messages from the panel so far', '[attention] ignored 1000 unexpected messages from the panel so far']);
  });

  it('drops what waits when the panel closes', async () => {
    const { inbox, received } = recordingInbox();
    inbox.receive({ type: 'needVectors' });
    inbox.drop();
    await nextTurn();
    assert.strictEqual(received.length, 0);
    inbox.receive({ type: 'needVectors' });
    await nextTurn();
    assert.deepStrictEqual(received, [{ type: 'needVectors' }], 'a reopened panel is answered again');
  });

  it('never throws on values no JSON could carry', async () => {
    const { inbox, received } = recordingInbox();
    const cyclic: Record<string, unknown> = { type: 'selectionChanged' };
    cyclic.selection = cyclic;
    const throwing = new Proxy({}, { get: () => { throw new Error('trap'); }, ownKeys: () => { throw new Error('trap'); } });
    const getter = Object.defineProperty({ type: 'revealToken' }, 'index', { get: () => { throw new Error('getter'); }, enumerable: true });
    for (const value of [cyclic, throwing, getter, 10n, Symbol('x'), () => 1, { type: 'ready', selection: { ...selection, heads: new Array(3) } }]) {
      assert.doesNotThrow(() => inbox.receive(value));
    }
    await nextTurn();
    assert.deepStrictEqual(received, [{ type: 'ready' }], 'the ready with sparse heads keeps only the ready');
    assert.strictEqual(inbox.counts.ignored, 6);
  });
});

describe('describe (a safe description of a webview message)', () => {
  it('never stringifies a value whole', () => {
    assert.strictEqual(describeValue('x'.repeat(1e6)), 'a string of 1000000 characters');
    assert.strictEqual(describeValue(new Array(1e6)), 'an array of 1000000 items');
    assert.strictEqual(describeValue(10n), 'a bigint');
    const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]));
    assert.strictEqual(describeValue({ type: 7, ...many }), 'an object (type of kind number; keys "type", "k0", "k1", "k2", "k3", "k4", … 21 in all)');
  });
});
