// Detection of the Go extension (golang.go) running its own gopls next to
// lspshare's, and the settings that resolve it. Two language servers on one
// Go file answer every request twice: doubled completions, two definitions
// per jump, diagnostics twice. Nothing here imports vscode.

/** The Go extension's id in the marketplace. */
export const goExtensionId = 'golang.go';

/** What the extension sees of the Go extension and its settings. */
export interface GoSetup {
  /** golang.go is installed and enabled. */
  installed: boolean;
  /** Our document selector includes Go. */
  servesGo: boolean;
  /** The effective value of go.useLanguageServer (undefined: its default, true). */
  useLanguageServer: unknown;
  /** go.alternateTools.gopls, if set. */
  alternateGopls: unknown;
}

/** How the two extensions stand with each other. */
export type GoConflict =
  /** No Go extension, or it does not serve Go with a language server: lspshare starts. */
  | { kind: 'none' }
  /** The Go extension runs lspshare as its gopls already: starting ours would run a second proxy. */
  | { kind: 'goRunsLspshare'; message: string }
  /** The Go extension runs its own gopls: both would answer. */
  | { kind: 'twoServers'; message: string };

/** detectGoConflict says whether starting lspshare for Go would run two language servers. */
export function detectGoConflict(g: GoSetup): GoConflict {
  if (!g.installed || !g.servesGo || g.useLanguageServer === false) {
    return { kind: 'none' };
  }
  if (isLspshare(g.alternateGopls)) {
    return {
      kind: 'goRunsLspshare',
      message:
        'The Go extension runs lspshare as its gopls (go.alternateTools). lspshare starts its own proxy only ' +
        'once the Go extension\'s language server is off for this workspace, so that one proxy answers.',
    };
  }
  return {
    kind: 'twoServers',
    message:
      'The Go extension runs its own gopls: with lspshare as well, two language servers would answer every ' +
      'request. Turn the Go extension\'s language server off for this workspace? Its other features (tests, ' +
      'debugging, tools) keep working, and Go language features come through lspshare.',
  };
}

/** isLspshare reports whether a configured tool path names the lspshare binary. */
export function isLspshare(path: unknown): boolean {
  if (typeof path !== 'string') return false;
  const base = path.trim().split(/[\\/]/).pop() ?? '';
  return /^lspshare(\.exe)?$/i.test(base);
}

/** A setting to write: section.key = value in the workspace settings. */
export interface SettingEdit {
  section: string;
  key: string;
  value: unknown;
}

/**
 * goConflictFix is the one-click fix: the Go extension's language server off
 * in this workspace only. The Go extension watches this setting and stops
 * its gopls at once; lspshare then serves Go.
 */
export function goConflictFix(): SettingEdit[] {
  return [{ section: 'go', key: 'useLanguageServer', value: false }];
}

/** The fix's button in the prompt. */
export const fixButton = 'Use lspshare for Go here';
