// A scripted navigator: a minimal LSP client driving its own `lspshare lsp`
// (on gopls), the way a navigator's editor would, so that its jumps reach the
// session and the attendee's VS Code follows them.
import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageConnection, StreamMessageReader, StreamMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { waitFor } from './procs';

export interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/** A note as $/lspshare/notes gives it (docs/protocol.md), as far as the test looks. */
export interface SeenNote {
  id: number;
  by: string;
  text: string;
  question?: boolean;
  resolved?: boolean;
  replies?: { by: string; text: string }[];
  uri?: string;
  range?: Range;
}

/** Where a jump landed, relative to the module root. */
export interface Target {
  path: string;
  range: Range;
}

export class Navigator {
  private readonly child: ChildProcess;
  private readonly conn: MessageConnection;
  private readonly opened = new Set<string>();
  /** The session's notes, as the last $/lspshare/notes had them. */
  private notes: SeenNote[] = [];

  constructor(
    private readonly root: string,
    command: string,
    env: NodeJS.ProcessEnv,
    log: string,
  ) {
    const stderr = createWriteStream(log);
    this.child = spawn(command, ['lsp'], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.pipe(stderr);
    this.conn = createMessageConnection(new StreamMessageReader(this.child.stdout!), new StreamMessageWriter(this.child.stdin!));
    // What gopls and the proxy ask an editor: answer like a plain editor would.
    this.conn.onRequest((method, params) => {
      switch (method) {
        case 'workspace/configuration':
          return ((params as { items?: unknown[] })?.items ?? []).map(() => null);
        case 'window/showDocument':
          return { success: true };
        default:
          return null;
      }
    });
    this.conn.onNotification('$/lspshare/notes', (params: { notes?: SeenNote[] }) => {
      this.notes = params?.notes ?? [];
    });
    this.conn.onNotification(() => {});
    this.conn.listen();
  }

  async initialize(timeoutMs: number): Promise<void> {
    const uri = pathToFileURL(this.root).href;
    await withTimeout(
      'initialize',
      this.conn.sendRequest('initialize', {
        processId: process.pid,
        rootUri: uri,
        workspaceFolders: [{ uri, name: 'reading' }],
        capabilities: {
          window: { showDocument: { support: true } },
          textDocument: { definition: { linkSupport: false } },
          workspace: { configuration: true, workspaceFolders: true },
        },
      }),
      timeoutMs,
    );
    await this.conn.sendNotification('initialized', {});
  }

  /** command runs one of the proxy's lspshare.* commands. */
  command(name: string, args: unknown[] = []): Promise<unknown> {
    return withTimeout(name, this.conn.sendRequest('workspace/executeCommand', { command: name, arguments: args }), 10_000);
  }

  /** uriOf is the navigator's own URI of a file of the module. */
  uriOf(path: string): string {
    return pathToFileURL(join(this.root, path)).href;
  }

  /** lineOf is the 0-based line of the first occurrence of text in path. */
  lineOf(path: string, text: string): number {
    return positionOf(readFileSync(join(this.root, path), 'utf8'), text, text).line;
  }

  /** note posts a note or question on the whole line of path holding text, and answers its id. */
  async note(path: string, lineText: string, text: string, question: boolean): Promise<number> {
    await this.open(path);
    const line = this.lineOf(path, lineText);
    const range = { start: { line, character: 0 }, end: { line, character: lineText.length } };
    const answer = (await this.command('lspshare.note', [{ uri: this.uriOf(path), range, text, question }])) as { id?: number };
    if (typeof answer?.id !== 'number') throw new Error(`lspshare.note answered ${JSON.stringify(answer)}`);
    return answer.id;
  }

  /** waitNote waits until $/lspshare/notes brings a note that ok accepts. */
  waitNote(what: string, ok: (n: SeenNote) => boolean, timeoutMs: number): Promise<SeenNote> {
    return waitFor(what, () => this.notes.find(ok), timeoutMs);
  }

  private async open(path: string): Promise<void> {
    if (this.opened.has(path)) return;
    this.opened.add(path);
    const text = readFileSync(join(this.root, path), 'utf8');
    await this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: this.uriOf(path), languageId: 'go', version: 1, text } });
  }

  /**
   * jump asks for the definition of the identifier `name` at its first
   * occurrence after `after` in the file `path`, as a navigator's
   * go-to-definition does, and returns where gopls says it is.
   */
  async jump(path: string, after: string, name: string, timeoutMs: number): Promise<Target> {
    const text = readFileSync(join(this.root, path), 'utf8');
    const uri = this.uriOf(path);
    await this.open(path);
    const position = positionOf(text, after, name);
    // The first answers may come before gopls has loaded the module: ask again until one is there.
    const loc = await waitFor(`definition of ${name}`, async () => {
      const r = await this.conn.sendRequest('textDocument/definition', { textDocument: { uri }, position });
      const first = Array.isArray(r) ? r[0] : r;
      return first && typeof first === 'object' && 'uri' in first ? (first as { uri: string; range: Range }) : undefined;
    }, timeoutMs);
    const rootURL = pathToFileURL(this.root).href + '/';
    if (!loc.uri.startsWith(rootURL)) throw new Error(`definition of ${name} is outside the module: ${loc.uri}`);
    return { path: decodeURIComponent(loc.uri.slice(rootURL.length)), range: loc.range };
  }

  async close(): Promise<void> {
    try {
      await withTimeout('shutdown', this.conn.sendRequest('shutdown'), 5000);
      await this.conn.sendNotification('exit');
    } catch {
      // the process is ended below either way
    }
    this.conn.dispose();
    this.child.kill('SIGTERM');
  }
}

/** positionOf is the UTF-16 position of name at its first occurrence after marker. */
export function positionOf(text: string, marker: string, name: string): { line: number; character: number } {
  const m = text.indexOf(marker);
  if (m < 0) throw new Error(`marker ${JSON.stringify(marker)} not in file`);
  const at = text.indexOf(name, m);
  if (at < 0) throw new Error(`${name} not after ${JSON.stringify(marker)}`);
  const before = text.slice(0, at).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

function withTimeout<T>(what: string, p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
