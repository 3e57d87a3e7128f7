/**
 * The one message the WebGPU probe process prints on stdout (a single JSON line), and its
 * runtime check on the worker's side: the probe runs in a child process, so what comes back is
 * untyped text until validated here.
 */

import type { AdapterProbe } from './backendChoice';

/** What the probe process reports: the adapter it was given, or why there is none. */
export type AdapterProbeReport =
  | { readonly type: 'adapter'; readonly adapter: AdapterProbe; readonly ms: number }
  | { readonly type: 'none'; readonly note: string; readonly ms: number };

/** A probe's outcome as the worker uses it: the adapter, or a note saying why there is none. */
export type AdapterProbeResult = { readonly probe: AdapterProbe; readonly note?: undefined } | { readonly probe?: undefined; readonly note: string };

/** Marks the report line, so that a driver's own chatter on stdout is never taken for it. */
export const PROBE_REPORT_PREFIX = 'attention-lens-webgpu-probe ';

/** The stdout line that carries `report`. */
export function formatProbeReport(report: AdapterProbeReport): string {
  return `${PROBE_REPORT_PREFIX}${JSON.stringify(report)}\n`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, limit = 200): string {
  return typeof value === 'string' ? value.slice(0, limit) : '';
}

/**
 * The report in the probe's stdout (the last marked line), or a note saying what was wrong with
 * it. Unknown fields are dropped and strings are cut, so nothing odd reaches Show Model Info.
 */
export function parseProbeOutput(stdout: string): AdapterProbeResult {
  const line = stdout
    .split('\n')
    .filter((l) => l.startsWith(PROBE_REPORT_PREFIX))
    .pop();
  if (line === undefined) return { note: 'the WebGPU probe printed no report' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.slice(PROBE_REPORT_PREFIX.length));
  } catch {
    return { note: 'the WebGPU probe printed a report that is not JSON' };
  }
  if (!isRecord(parsed)) return { note: 'the WebGPU probe printed a report that is not an object' };
  if (parsed.type === 'none') return { note: text(parsed.note, 300) || 'no WebGPU adapter' };
  if (parsed.type !== 'adapter' || !isRecord(parsed.adapter)) return { note: 'the WebGPU probe printed a report of unknown shape' };
  const adapter = parsed.adapter;
  if (typeof adapter.isFallbackAdapter !== 'boolean') return { note: 'the WebGPU probe did not say whether the adapter is a fallback one' };
  return {
    probe: {
      vendor: text(adapter.vendor),
      architecture: text(adapter.architecture),
      device: text(adapter.device),
      description: text(adapter.description),
      isFallbackAdapter: adapter.isFallbackAdapter,
    },
  };
}
