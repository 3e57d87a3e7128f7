import * as assert from 'assert';
import { formatProbeReport, parseProbeOutput, PROBE_REPORT_PREFIX, type AdapterProbeReport } from '../../src/worker/adapterProbeReport';

const LAVAPIPE_REPORT: AdapterProbeReport = {
  type: 'adapter',
  adapter: { vendor: 'mesa', architecture: 'software', device: 'llvmpipe', description: 'llvmpipe: Mesa 25.0.7', isFallbackAdapter: true },
  ms: 155,
};

describe('parseProbeOutput', () => {
  it('reads back the adapter that formatProbeReport wrote, without the timing', () => {
    const result = parseProbeOutput(formatProbeReport(LAVAPIPE_REPORT));
    assert.deepStrictEqual(result, { probe: LAVAPIPE_REPORT.adapter });
  });

  it('passes a "none" report on as its note', () => {
    assert.deepStrictEqual(parseProbeOutput(formatProbeReport({ type: 'none', note: 'no WebGPU adapter', ms: 9 })), { note: 'no WebGPU adapter' });
  });

  it('ignores a driver\'s own lines on stdout and takes the last report', () => {
    const stdout = `Warning: something from Vulkan\n${formatProbeReport({ type: 'none', note: 'first', ms: 1 })}noise {"type":"adapter"}\n${formatProbeReport(LAVAPIPE_REPORT)}`;
    assert.strictEqual(parseProbeOutput(stdout).probe?.vendor, 'mesa');
  });

  it('says so when there is no report, or it is not JSON, or not an object', () => {
    assert.deepStrictEqual(parseProbeOutput(''), { note: 'the WebGPU probe printed no report' });
    assert.deepStrictEqual(parseProbeOutput(`${PROBE_REPORT_PREFIX}{"type":`), { note: 'the WebGPU probe printed a report that is not JSON' });
    assert.deepStrictEqual(parseProbeOutput(`${PROBE_REPORT_PREFIX}[1,2]`), { note: 'the WebGPU probe printed a report that is not an object' });
  });

  it('refuses an adapter report of another shape rather than guessing it is hardware', () => {
    assert.match(parseProbeOutput(`${PROBE_REPORT_PREFIX}{"type":"gpu"}`).note ?? '', /unknown shape/);
    assert.match(parseProbeOutput(`${PROBE_REPORT_PREFIX}{"type":"adapter","adapter":{"vendor":"nvidia"}}`).note ?? '', /fallback/);
  });

  it('keeps only the known fields, as strings, cut to a sane length', () => {
    const line = `${PROBE_REPORT_PREFIX}${JSON.stringify({ type: 'adapter', adapter: { vendor: 7, architecture: 'x'.repeat(1000), device: 'd', isFallbackAdapter: false, extra: 'dropped' }, ms: 1 })}`;
    const probe = parseProbeOutput(line).probe;
    assert.ok(probe);
    assert.deepStrictEqual(Object.keys(probe).sort(), ['architecture', 'description', 'device', 'isFallbackAdapter', 'vendor']);
    assert.strictEqual(probe.vendor, '');
    assert.strictEqual(probe.architecture.length, 200);
    assert.strictEqual(probe.description, '');
  });
});
