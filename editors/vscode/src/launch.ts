// How the extension starts `lspshare lsp` from its settings: which binary,
// with what arguments and environment. Nothing here imports vscode.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** The lspshare.* settings. */
export interface Settings {
  path: string;
  join: string;
  name: string;
  server: string;
  documentSelector: string[];
}

/** A command line with its environment. */
export interface Launch {
  command: string;
  args: string[];
  env: Record<string, string | undefined>;
}

/** The lspshare binary the extension runs, and why that one. */
export interface Binary {
  command: string;
  from: 'setting' | 'PATH' | 'bundled';
}

/** Where chooseBinary looks besides the setting. */
export interface Places {
  /** The PATH the proxy would be started with. */
  path: string | undefined;
  /** The binary inside the extension (bundledBinary), which may be missing. */
  bundled: string;
  platform: NodeJS.Platform;
}

/**
 * chooseBinary picks the lspshare to run: the lspshare.path setting when
 * set, else lspshare on PATH (so that one built or installed by hand wins
 * without a setting), else the binary bundled with the extension, which is
 * what runs on a laptop with nothing installed. Undefined: none of them.
 */
export function chooseBinary(setting: string, places: Places): Binary | undefined {
  if (setting.trim()) return { command: setting.trim(), from: 'setting' };
  const onPath = findOnPath(binaryName(places.platform), places.path, places.platform);
  if (onPath) return { command: onPath, from: 'PATH' };
  if (isExecutable(places.bundled, places.platform)) return { command: places.bundled, from: 'bundled' };
  return undefined;
}

/** bundledBinary is where scripts/dist.sh puts the platform's lspshare in the extension. */
export function bundledBinary(extensionPath: string, platform: NodeJS.Platform): string {
  return join(extensionPath, 'bin', binaryName(platform));
}

function binaryName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'lspshare.exe' : 'lspshare';
}

/**
 * findOnPath is the first absolute directory of PATH holding an executable
 * name. Relative entries are skipped: they would name a binary in whatever
 * folder VS Code happens to run in.
 */
function findOnPath(name: string, path: string | undefined, platform: NodeJS.Platform): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (isAbsolute(dir) && isExecutable(candidate, platform)) return candidate;
  }
  return undefined;
}

/** isExecutable: a regular file, with an execute bit outside Windows (which has none). */
function isExecutable(file: string, platform: NodeJS.Platform): boolean {
  try {
    if (!isAbsolute(file) || !statSync(file).isFile()) return false;
    if (platform !== 'win32') accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * launch is the command line that runs the proxy. The join link goes in the
 * environment, not in the arguments, because it carries a secret key and
 * every local user can read a process's arguments.
 */
export function launch(command: string, s: Settings, env: Record<string, string | undefined>): Launch {
  const e = { ...env };
  if (s.join.trim()) e.LSPSHARE_JOIN = s.join.trim();
  if (s.name.trim()) e.LSPSHARE_NAME = s.name.trim();
  if (s.server.trim()) e.LSPSHARE_SERVER = s.server.trim();
  return { command, args: ['lsp'], env: e };
}

/** A document filter of vscode-languageclient. */
export interface DocumentFilter {
  scheme: string;
  language: string;
}

/**
 * documentFilters are the files served through lspshare: the configured
 * languages, on disk only (gopls takes file:// URIs alone).
 */
export function documentFilters(languages: readonly string[]): DocumentFilter[] {
  const seen = new Set<string>();
  const out: DocumentFilter[] = [];
  for (const l of languages) {
    const language = typeof l === 'string' ? l.trim() : '';
    if (language && !seen.has(language)) {
      seen.add(language);
      out.push({ scheme: 'file', language });
    }
  }
  return out;
}

/** settingsFrom reads the settings through get, with defaults for anything missing or mistyped. */
export function settingsFrom(get: (key: string) => unknown): Settings {
  const str = (key: string, def: string) => {
    const v = get(key);
    return typeof v === 'string' ? v : def;
  };
  const sel = get('documentSelector');
  return {
    path: str('path', ''),
    join: str('join', ''),
    name: str('name', ''),
    server: str('server', ''),
    documentSelector: Array.isArray(sel) ? sel.filter((x): x is string => typeof x === 'string') : ['go'],
  };
}
