// Echoes what another process appends to a file (the test log written inside the extension
// host) while a run is in progress.
import fs from 'node:fs';

/** Starts copying new bytes of `file` to stdout; returns { stop(), text() }. */
export function followFile(file, { intervalMs = 500 } = {}) {
  let offset = 0;
  const flush = () => {
    let fd;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      return; // not written yet
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size > offset) {
        const buffer = Buffer.alloc(size - offset);
        fs.readSync(fd, buffer, 0, buffer.length, offset);
        offset = size;
        process.stdout.write(buffer);
      }
    } finally {
      fs.closeSync(fd);
    }
  };
  const timer = setInterval(flush, intervalMs);
  timer.unref();
  return {
    /** Stops following, after printing whatever was written last. */
    stop() {
      clearInterval(timer);
      flush();
    },
    /** The whole file as written so far ('' when absent). */
    text() {
      try {
        return fs.readFileSync(file, 'utf8');
      } catch {
        return '';
      }
    },
  };
}
