// Starts a real VS Code (code-server) on loopback with everything it writes inside one fresh
// folder, with the packaged extension installed. The caller owns that folder and calls stop().
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { codeServerEntry, extensionId } from './paths.mjs';
import { testUserSettings } from './userSettings.mjs';

/** Returns a TCP port that is free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts code-server inside `root` (a fresh folder the caller removes) and resolves once /healthz
 * answers. Resolves to { port, baseUrl, extensionsDir, logFile, workbenchUrl(), extensionDir(), stop() }.
 */
export async function startCodeServer({ root, vsix, port, userSettings = {}, env = {}, timeoutMs = 120_000 }) {
  if (!fs.existsSync(codeServerEntry)) {
    throw new Error(`code-server is not installed (${codeServerEntry}); run scripts/install-code-server.sh`);
  }
  const dirs = {
    userData: path.join(root, 'user-data'),
    extensions: path.join(root, 'extensions'),
    xdg: path.join(root, 'xdg'),
    tmp: path.join(root, 'tmp'),
  };
  for (const dir of Object.values(dirs)) {
    fs.mkdirSync(dir, { recursive: true });
  }
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(dirs.userData, 'User', 'settings.json'),
    JSON.stringify({ ...testUserSettings, ...userSettings }, null, 2),
  );
  port ??= await freePort();
  const configFile = path.join(root, 'config.yaml');
  fs.writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);

  // TMPDIR keeps its sockets and caches in `root`; EXTENSIONS_GALLERY='{}' stops gallery requests.
  const childEnv = {
    ...process.env,
    XDG_CONFIG_HOME: dirs.xdg,
    XDG_DATA_HOME: dirs.xdg,
    XDG_CACHE_HOME: dirs.xdg,
    TMPDIR: dirs.tmp,
    EXTENSIONS_GALLERY: '{}',
    ...env,
  };
  const common = ['--config', configFile, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];
  const deadline = Date.now() + timeoutMs;

  if (vsix) {
    if (!fs.existsSync(vsix)) {
      throw new Error(`${vsix} is missing; run \`npm run package\``);
    }
    const install = spawnSync(process.execPath, [codeServerEntry, ...common, '--install-extension', vsix], {
      env: childEnv,
      encoding: 'utf8',
      timeout: Math.max(1, deadline - Date.now()),
    });
    if (install.status !== 0) {
      throw new Error(`installing ${vsix} failed (${install.error?.message ?? `exit ${install.status}`}):\n${install.stdout}${install.stderr}`);
    }
  }

  const logFile = path.join(root, 'code-server.log');
  const logFd = fs.openSync(logFile, 'a');
  // detached: the server leads its own process group, so stop() also ends its extension host.
  const child = spawn(
    process.execPath,
    [
      codeServerEntry, ...common,
      '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
      '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
      '--disable-getting-started-override', '--disable-proxy', '--ignore-last-opened',
    ],
    { env: childEnv, detached: true, stdio: ['ignore', logFd, logFd] },
  );
  fs.closeSync(logFd);
  let exited = false;
  const exitedPromise = new Promise((resolve) => child.once('exit', (code, signal) => {
    exited = true;
    resolve({ code, signal });
  }));

  /** Ends the server's whole process group: SIGTERM at once, SIGKILL after a grace period. */
  const stop = async () => {
    if (exited) {
      return;
    }
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return; // the group is already gone
    }
    const grace = new Promise((resolve) => setTimeout(resolve, 5_000).unref());
    await Promise.race([exitedPromise, grace]);
    try {
      process.kill(-child.pid, 'SIGKILL'); // stragglers of the group (extension host, watchers)
    } catch {
      // all gone
    }
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(baseUrl, deadline, () => exited);
  } catch (err) {
    await stop();
    throw new Error(`${err.message}\n--- code-server log ---\n${tail(logFile)}`);
  }

  return {
    port,
    baseUrl,
    logFile,
    extensionsDir: dirs.extensions,
    /** The user's settings.json; the workbench applies what is written to it while it runs. */
    userSettingsFile: path.join(dirs.userData, 'User', 'settings.json'),
    /** Machine-scoped settings (allowDownloads, hubUrl) live here: code-server's window counts as remote. */
    machineSettingsFile: path.join(dirs.userData, 'Machine', 'settings.json'),
    stop,
    /** The workbench URL opening `folder`, with an optional test payload (pairs of [key, value]). */
    workbenchUrl(folder, payload) {
      const url = new URL(baseUrl + '/');
      url.searchParams.set('folder', folder);
      if (payload) {
        url.searchParams.set('payload', JSON.stringify(payload));
      }
      return url.toString();
    },
    /** A server path as the workbench addresses it (a vscode-remote URI). */
    remoteUri(absPath) {
      return `vscode-remote://127.0.0.1:${port}${absPath}`;
    },
    /** The folder the installed extension was unpacked into. */
    extensionDir(id = extensionId) {
      const found = fs.readdirSync(dirs.extensions).filter((name) => name.toLowerCase().startsWith(`${id.toLowerCase()}-`));
      if (found.length !== 1) {
        throw new Error(`expected one installed ${id} in ${dirs.extensions}, found ${JSON.stringify(found)}`);
      }
      return path.join(dirs.extensions, found[0]);
    },
  };
}

async function waitForHealth(baseUrl, deadline, hasExited) {
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    if (hasExited()) {
      throw new Error('code-server exited during startup');
    }
    try {
      const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) {
        return;
      }
      lastError = `HTTP ${response.status}`;
    } catch (err) {
      lastError = err.cause?.code ?? err.message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`code-server did not become healthy at ${baseUrl}/healthz (${lastError})`);
}

/** The last `lines` lines of a text file, for error reports. */
export function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
