/**
 * The WebGPU probe, run as its own short-lived process (see webgpuAdapter.ts for why): asks
 * Dawn for Node (the `webgpu` package) for the default adapter, prints one report line on stdout
 * and exits. Everything it finds, failures included, goes into that line; it never throws.
 */

import { createRequire } from 'module';
import * as path from 'path';
import { formatProbeReport, type AdapterProbeReport } from './adapterProbeReport';

interface DawnAdapterInfo {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  readonly isFallbackAdapter?: boolean;
}

interface DawnAdapter {
  readonly info?: DawnAdapterInfo;
  /** Older spelling, on the adapter itself. */
  readonly isFallbackAdapter?: boolean;
}

interface DawnModule {
  create(flags: string[]): { requestAdapter(options?: object): Promise<DawnAdapter | null> };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

/** Dawn's native addon, or why it does not load. */
function loadDawn(): DawnModule | string {
  // Resolved next to this file at run time (dist/ sits beside node_modules), never bundled.
  const requireHere = createRequire(__filename);
  let packageDir: string;
  try {
    packageDir = path.dirname(requireHere.resolve('webgpu/package.json'));
  } catch {
    return 'no WebGPU probe (the "webgpu" package is not installed)';
  }
  // One build per platform, as the package's own index.js picks it (macOS: one universal build).
  const platformDir = process.platform === 'darwin' ? 'darwin-universal' : `${process.platform}-${process.arch}`;
  try {
    // The package's index.js is an ES module; its native addon is plain CommonJS.
    return requireHere(path.join(packageDir, 'dist', platformDir, 'dawn.node')) as DawnModule;
  } catch (error) {
    return `no WebGPU probe (Dawn for Node does not load here: ${firstLine(error)})`;
  }
}

async function probe(): Promise<AdapterProbeReport> {
  const started = performance.now();
  const ms = (): number => Math.round(performance.now() - started);
  const dawn = loadDawn();
  if (typeof dawn === 'string') return { type: 'none', note: dawn, ms: ms() };
  try {
    const adapter = await dawn.create([]).requestAdapter();
    if (!adapter) return { type: 'none', note: 'no WebGPU adapter', ms: ms() };
    const info = adapter.info ?? {};
    return {
      type: 'adapter',
      adapter: {
        vendor: info.vendor ?? '',
        architecture: info.architecture ?? '',
        device: info.device ?? '',
        description: info.description ?? '',
        isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
      },
      ms: ms(),
    };
  } catch (error) {
    return { type: 'none', note: `no WebGPU adapter (${firstLine(error)})`, ms: ms() };
  }
}

void probe().then((report) => {
  // Dawn keeps its instance's threads alive: leave as soon as the line is out.
  process.stdout.write(formatProbeReport(report), () => process.exit(0));
});
