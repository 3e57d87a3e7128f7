/**
 * Asks the machine's WebGPU implementation which adapter it would give, so that `auto` can tell a
 * real GPU from a software one. onnxruntime-node runs WebGPU through its own copy of Dawn but does
 * not say which adapter it took; the `webgpu` package (Dawn for Node) does, through the standard
 * `requestAdapter()` → `adapter.info`. Both see the same Vulkan/Metal/D3D drivers.
 *
 * The probe runs in a child process (webgpuProbeProcess.ts), not in the worker: a GPU driver that
 * hangs or crashes while enumerating takes down only the probe, which is killed after a timeout;
 * and the probe's Dawn instance, with its threads and device handles, is gone before the model's
 * own runtime starts. Never throws: every failure becomes a note saying why there is no adapter.
 */

import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseProbeOutput, type AdapterProbeResult } from './adapterProbeReport';


/** Where the probe's script is: beside this file, both in dist/ (bundled) and in out/ (tests). */
export const DEFAULT_PROBE_SCRIPT = path.join(__dirname, 'webgpuProbeProcess.js');

export interface AdapterProbeOptions {
  /** The probe's script; tests point it elsewhere. */
  readonly script?: string;
  /** How long the probe may take before it is killed. */
  readonly timeoutMs?: number;
}

/** Most bytes of the probe's output kept: the report is one short line. */
const OUTPUT_LIMIT = 64 * 1024;

/** Runs the probe process and reads its report. */
export function probeWebGpuAdapter(options: AdapterProbeOptions = {}): Promise<AdapterProbeResult> {
  const script = options.script ?? DEFAULT_PROBE_SCRIPT;
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!fs.existsSync(script)) return Promise.resolve({ note: `no WebGPU probe (${path.basename(script)} is missing)` });
  return new Promise((resolve) => {
    // Inside VS Code's desktop extension host execPath is Electron: this makes it plain Node.
    const child = spawn(process.execPath, [script], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < OUTPUT_LIMIT) stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < OUTPUT_LIMIT) stderr += chunk.toString();
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    let settled = false;
    const finish = (result: AdapterProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    child.on('error', (error) => finish({ note: `no WebGPU probe (it did not start: ${error.message})` }));
    child.on('close', (code, signal) => {
      if (timedOut) return finish({ note: `no WebGPU adapter (the probe took over ${timeoutMs} ms and was stopped)` });
      const result = parseProbeOutput(stdout);
      if (result.probe) return finish(result);
      if (code === 0) return finish({ note: withDawnWarning(result.note, stderr) });
      // The driver crashed or the probe failed before it could report: say how, with its last words.
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const lastWords = stderr.trim().split('\n').pop()?.slice(0, 200);
      finish({ note: `no WebGPU adapter (the probe ${how}${lastWords ? `: ${lastWords}` : ''})` });
    });
  });
}

/** The note, with Dawn's first warning (e.g. "vkCreateInstance: Found no drivers!") when it says why. */
function withDawnWarning(note: string, stderr: string): string {
  const warning = /^Warning: (.+)$/m.exec(stderr)?.[1].trim().slice(0, 200);
  return warning ? `${note}; Dawn: ${warning}` : note;
}
