/**
 * Remembers `auto`'s calibrations (see calibratedBackend) in a small JSON file in the extension's
 * global storage, so the two-backend measurement runs once per GPU and model, not at every start.
 * A missing, unreadable or foreign file is treated as empty: losing it costs one calibration.
 */

import * as fs from 'fs';
import * as path from 'path';
import type { CalibrationResult } from './backendChoice';

interface StoreFile {
  readonly version: 1;
  readonly entries: Record<string, CalibrationResult>;
}

/** Entries kept; the oldest go first. */
const MAX_ENTRIES = 64;

/** What a calibration is valid for: the adapter, and the exact weights file (by place and size). */
export function calibrationKey(adapter: string, weightsLocation: string, weightsBytes: number): string {
  return `${adapter}\n${weightsLocation}\n${weightsBytes}`;
}

function isResult(value: unknown): value is CalibrationResult {
  const r = value as Partial<CalibrationResult> | null;
  return (
    typeof r === 'object' && r !== null &&
    typeof r.webgpuTokensPerSecond === 'number' && Number.isFinite(r.webgpuTokensPerSecond) &&
    typeof r.cpuTokensPerSecond === 'number' && Number.isFinite(r.cpuTokensPerSecond) &&
    typeof r.measuredAt === 'string'
  );
}

export class CalibrationStore {
  /** `file` undefined: nothing is kept (tests, benchmarks). */
  constructor(private readonly file: string | undefined) {}

  /** The calibration stored for `key`, if any. */
  get(key: string): CalibrationResult | undefined {
    const entry = this.read().entries[key];
    return isResult(entry) ? entry : undefined;
  }

  /** Stores a calibration; failures to write are ignored (the next start measures again). */
  set(key: string, result: CalibrationResult): void {
    if (!this.file) return;
    const entries = Object.entries(this.read().entries).filter(([k]) => k !== key);
    entries.push([key, result]);
    const file: StoreFile = { version: 1, entries: Object.fromEntries(entries.slice(-MAX_ENTRIES)) };
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      // Written whole, then renamed: a crash mid-write never leaves half a file.
      const temporary = `${this.file}.${process.pid}.tmp`;
      fs.writeFileSync(temporary, JSON.stringify(file, null, 1));
      fs.renameSync(temporary, this.file);
    } catch {
      // The store is a cache.
    }
  }

  private read(): StoreFile {
    if (!this.file) return { version: 1, entries: {} };
    try {
      const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Partial<StoreFile>;
      if (parsed.version === 1 && typeof parsed.entries === 'object' && parsed.entries !== null) return { version: 1, entries: parsed.entries };
    } catch {
      // Missing or damaged: start over.
    }
    return { version: 1, entries: {} };
  }
}
