// How the extension starts `lspshare lsp` from its settings. Nothing here
// imports vscode.

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

/**
 * launch is the command that runs the proxy. The join link goes in the
 * environment, not in the arguments, because it carries a secret key and
 * every local user can read a process's arguments.
 */
export function launch(s: Settings, env: Record<string, string | undefined>): Launch {
  const e = { ...env };
  if (s.join.trim()) e.LSPSHARE_JOIN = s.join.trim();
  if (s.name.trim()) e.LSPSHARE_NAME = s.name.trim();
  if (s.server.trim()) e.LSPSHARE_SERVER = s.server.trim();
  return { command: s.path.trim() || 'lspshare', args: ['lsp'], env: e };
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
    path: str('path', 'lspshare'),
    join: str('join', ''),
    name: str('name', ''),
    server: str('server', ''),
    documentSelector: Array.isArray(sel) ? sel.filter((x): x is string => typeof x === 'string') : ['go'],
  };
}
