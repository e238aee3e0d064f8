// The lspshare extension: runs `lspshare lsp` as the language server, shows
// the session (status bar, participants view, the others' cursors) and turns
// its commands into the proxy's lspshare.* commands (docs/protocol.md).
import * as vscode from 'vscode';
import {
  CancellationTokenSource,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ResponseError,
  State as ClientState,
} from 'vscode-languageclient/node';
import { NoteThreads } from './comments';
import { Cursor, CursorMarks, Debouncer, EchoFilter, Range, parseCursor } from './cursor';
import { GoConflict, detectGoConflict, fixButton, goConflictFix, goExtensionId } from './goconflict';
import { Binary, Settings, bundledBinary, chooseBinary, documentFilters, launch, settingsFrom } from './launch';
import { noteRange, parseNotes, withoutNotes } from './notes';
import {
  Participant,
  State,
  StatusView,
  checkJoinLink,
  describeState,
  followCommand,
  holdsWheel,
  menuItems,
  others,
  parseState,
  participantDescription,
  solo,
  statusView,
} from './state';

/** How long the cursor must rest before it is reported to the proxy. */
const cursorDebounceMs = 150;

/** The running extension, for deactivate. */
let running: Extension | undefined;

export function activate(context: vscode.ExtensionContext): void {
  running = new Extension(bundledBinary(context.extensionPath, process.platform));
  context.subscriptions.push(running);
  void running.start();
}

/** deactivate stops `lspshare lsp`; VS Code waits for it. */
export function deactivate(): Promise<void> | undefined {
  return running?.shutdown();
}

/** Extension owns the language client and every piece of UI; dispose stops them all. */
class Extension implements vscode.Disposable {
  private client?: LanguageClient;
  private state: State = solo;
  private conflict: GoConflict = { kind: 'none' };
  private readonly marks = new CursorMarks();
  private readonly echo = new EchoFilter();
  private readonly output = vscode.window.createOutputChannel('lspshare');
  private readonly statusItem = vscode.window.createStatusBarItem('lspshare.status', vscode.StatusBarAlignment.Left, 100);
  private readonly participants = new ParticipantsView();
  private readonly threads = new NoteThreads((doc) => this.serves(doc));
  private readonly cursorOut = new Debouncer<{ uri: string; range: Range }>(cursorDebounceMs, (c) => this.sendCursor(c));
  private readonly decoration = vscode.window.createTextEditorDecorationType({
    borderStyle: 'solid',
    borderWidth: '0 0 0 2px',
    borderColor: new vscode.ThemeColor('editorCursor.foreground'),
    backgroundColor: new vscode.ThemeColor('editor.wordHighlightBackground'),
    after: {
      margin: '0 0 0 0.5em',
      color: new vscode.ThemeColor('editorCodeLens.foreground'),
      fontStyle: 'italic',
    },
  });
  private readonly disposables: vscode.Disposable[] = [];
  /** Serializes starts and stops of the client. */
  private lifecycle: Promise<void> = Promise.resolve();

  /** bundled is the lspshare binary inside the extension (missing in a development build). */
  constructor(private readonly bundled: string) {
    this.statusItem.name = 'lspshare';
    this.disposables.push(
      this.output,
      this.statusItem,
      this.decoration,
      this.threads,
      vscode.window.registerTreeDataProvider('lspshare.participants', this.participants),
      vscode.commands.registerCommand('lspshare.joinSession', (link?: unknown) => this.guard(() => this.join(link))),
      vscode.commands.registerCommand('lspshare.leaveSession', () => this.guard(() => this.execute('lspshare.leave'))),
      vscode.commands.registerCommand('lspshare.toggleFollow', () => this.guard(() => this.execute(followCommand(this.state)))),
      vscode.commands.registerCommand('lspshare.jumpToNavigator', () => this.guard(() => this.execute('lspshare.jump'))),
      vscode.commands.registerCommand('lspshare.jumpToParticipant', (p?: unknown) =>
        this.guard(() => this.withParticipant(p, 'Jump to whom?', (name) => this.execute('lspshare.jump', [name]))),
      ),
      vscode.commands.registerCommand('lspshare.takeWheel', () => this.guard(() => this.execute('lspshare.drive'))),
      vscode.commands.registerCommand('lspshare.passWheel', (p?: unknown) =>
        this.guard(() => this.withParticipant(p, 'Pass the wheel to whom?', (name) => this.execute('lspshare.pass', [name]))),
      ),
      vscode.commands.registerCommand('lspshare.showStatus', () => this.guard(() => this.showStatus())),
      vscode.commands.registerCommand('lspshare.fixGoExtensionConflict', () => this.guard(() => this.fixGoConflict())),
      vscode.commands.registerCommand('lspshare.sessionMenu', () => this.guard(() => this.sessionMenu())),
      vscode.commands.registerCommand('lspshare.summonEveryone', () => this.guard(() => this.execute('lspshare.summon'))),
      vscode.commands.registerCommand('lspshare.toggleHand', (name?: unknown) =>
        this.guard(() => this.execute('lspshare.hand', typeof name === 'string' ? [name] : [])),
      ),
      vscode.commands.registerCommand('lspshare.askAboutLine', () => this.guard(() => this.noteOnLine(true))),
      vscode.commands.registerCommand('lspshare.noteOnLine', () => this.guard(() => this.noteOnLine(false))),
      vscode.commands.registerCommand('lspshare.askThread', (r: vscode.CommentReply) => this.guard(() => this.startThread(r, true))),
      vscode.commands.registerCommand('lspshare.noteThread', (r: vscode.CommentReply) => this.guard(() => this.startThread(r, false))),
      vscode.commands.registerCommand('lspshare.replyThread', (r: vscode.CommentReply) => this.guard(() => this.reply(r))),
      vscode.commands.registerCommand('lspshare.resolveThread', (t: vscode.CommentThread) => this.guard(() => this.resolve(t))),
      vscode.workspace.onDidChangeConfiguration((e) => this.configurationChanged(e)),
      vscode.extensions.onDidChange(() => this.restartIf(this.conflictChanged())),
      vscode.window.onDidChangeVisibleTextEditors(() => this.renderCursors()),
      vscode.window.onDidChangeTextEditorSelection((e) => this.selectionChanged(e)),
    );
    this.render();
    this.statusItem.show();
  }

  /** start runs the proxy, unless the Go extension would answer too. */
  start(): Promise<void> {
    return this.serialize(async () => {
      this.conflict = this.detectConflict();
      if (this.conflict.kind !== 'none') {
        this.render();
        void this.offerGoFix();
        return;
      }
      await this.startClient();
    });
  }

  private async startClient(): Promise<void> {
    const s = this.settings();
    const bin = chooseBinary(s.path, { path: process.env.PATH, bundled: this.bundled, platform: process.platform });
    if (!bin) {
      const problem = `no lspshare binary: none on PATH and none bundled at ${this.bundled}`;
      this.output.appendLine(problem);
      this.setState({ ...solo, error: problem });
      void vscode.window.showErrorMessage(
        `lspshare: ${problem}. Install the extension for your platform (lspshare-<platform>.vsix), or set lspshare.path to an lspshare binary.`,
      );
      return;
    }
    const run = launch(bin.command, s, process.env);
    this.output.appendLine(`starting ${run.command} ${run.args.join(' ')} (${whyThisBinary(bin)})`);
    const options: LanguageClientOptions = {
      documentSelector: documentFilters(s.documentSelector),
      outputChannel: this.output,
      middleware: {
        // The notes come as comment threads; their diagnostic copies would say it twice.
        handleDiagnostics: (uri, diagnostics, next) => next(uri, withoutNotes(diagnostics)),
        window: {
          showDocument: async (params, next) => {
            if (params.selection) this.echo.shownBy(normalizeUri(params.uri), params.selection);
            this.cursorOut.dispose(); // a move of ours still pending is older than the jump
            const result = await next(params, new CancellationTokenSource().token);
            return result instanceof ResponseError ? { success: false } : result;
          },
        },
      },
    };
    const client = new LanguageClient('lspshare', 'lspshare', { command: run.command, args: run.args, options: { env: run.env } }, options);
    client.onNotification('$/lspshare/state', (raw: unknown) => this.setState(parseState(raw)));
    client.onNotification('$/lspshare/cursor', (raw: unknown) => this.cursorArrived(raw));
    client.onNotification('$/lspshare/notes', (raw: unknown) => this.threads.setNotes(parseNotes(raw)));
    client.onDidChangeState((e) => {
      if (e.newState !== ClientState.Stopped) return;
      this.threads.setNotes([]);
      this.setState({ ...solo, error: 'lspshare lsp stopped; see the lspshare output' });
    });
    this.client = client;
    try {
      await client.start();
    } catch (err) {
      this.client = undefined;
      this.setState({ ...solo, error: `cannot start ${run.command}: ${message(err)}` });
      void vscode.window.showErrorMessage(`lspshare: cannot start "${run.command} lsp": ${message(err)}. Set lspshare.path to the lspshare binary.`);
      return;
    }
    this.setState(parseState(await this.request('lspshare.status', [])));
  }

  private async stopClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.cursorOut.dispose();
    this.threads.setNotes([]);
    if (client) {
      try {
        await client.stop(2000);
      } catch (err) {
        this.output.appendLine(`stopping lspshare: ${message(err)}`);
      }
    }
    this.setState(solo);
  }

  private serialize(step: () => Promise<void>): Promise<void> {
    this.lifecycle = this.lifecycle.then(step, step);
    return this.lifecycle;
  }

  private restartIf(yes: boolean): void {
    if (yes) {
      void this.serialize(() => this.stopClient()).then(() => this.start());
    }
  }

  private configurationChanged(e: vscode.ConfigurationChangeEvent): void {
    const ours = e.affectsConfiguration('lspshare');
    const go = e.affectsConfiguration('go.useLanguageServer') || e.affectsConfiguration('go.alternateTools');
    this.restartIf(ours || (go && this.conflictChanged()));
  }

  private conflictChanged(): boolean {
    return this.detectConflict().kind !== this.conflict.kind;
  }

  private settings(): Settings {
    const c = vscode.workspace.getConfiguration('lspshare');
    return settingsFrom((key) => c.get(key));
  }

  private detectConflict(): GoConflict {
    const go = vscode.workspace.getConfiguration('go');
    return detectGoConflict({
      installed: vscode.extensions.getExtension(goExtensionId) !== undefined,
      servesGo: this.settings().documentSelector.includes('go'),
      useLanguageServer: go.get('useLanguageServer'),
      alternateGopls: go.get<Record<string, unknown>>('alternateTools')?.gopls,
    });
  }

  private async offerGoFix(): Promise<void> {
    if (this.conflict.kind === 'none') return;
    const pick = await vscode.window.showWarningMessage(`lspshare: ${this.conflict.message}`, fixButton, 'Not now');
    if (pick === fixButton) await this.fixGoConflict();
  }

  /** fixGoConflict writes the fix into the workspace settings; the configuration watcher then starts the proxy. */
  private async fixGoConflict(): Promise<void> {
    if (this.detectConflict().kind === 'none') {
      void vscode.window.showInformationMessage('lspshare: the Go extension does not run a language server here; nothing to fix.');
      return;
    }
    for (const edit of goConflictFix()) {
      await vscode.workspace.getConfiguration(edit.section).update(edit.key, edit.value, vscode.ConfigurationTarget.Workspace);
    }
  }

  private async join(link?: unknown): Promise<void> {
    let l = typeof link === 'string' ? link : undefined;
    if (l === undefined) {
      l = await vscode.window.showInputBox({
        title: 'Join an lspshare session',
        prompt: 'Paste the join link the session\'s host gave you',
        placeHolder: 'http://HOST:PORT/s/NAME?key=KEY',
        ignoreFocusOut: true,
        validateInput: (v) => (v.trim() === '' ? undefined : checkJoinLink(v)),
      });
      if (!l?.trim()) return;
    }
    const problem = checkJoinLink(l);
    if (problem) throw new Error(problem);
    await this.execute('lspshare.join', [l.trim()]);
  }

  private async withParticipant(p: unknown, title: string, act: (name: string) => Promise<unknown>): Promise<void> {
    let name = typeof p === 'string' ? p : isParticipant(p) ? p.name : undefined;
    if (name === undefined) {
      const picks = others(this.state).map((o) => ({ label: o.name, description: participantDescription(o, this.state.you) }));
      if (picks.length === 0) throw new Error('nobody else is in the session');
      name = (await vscode.window.showQuickPick(picks, { title }))?.label;
      if (name === undefined) return;
    }
    await act(name);
  }

  private async showStatus(): Promise<void> {
    if (this.conflict.kind !== 'none') {
      await this.offerGoFix();
      return;
    }
    const s = this.client ? await this.execute('lspshare.status') : this.state;
    void vscode.window.showInformationMessage(`lspshare: ${describeState(s)}`);
  }

  private async sessionMenu(): Promise<void> {
    const pick = await vscode.window.showQuickPick(menuItems(this.state), { title: 'lspshare' });
    if (pick) await vscode.commands.executeCommand(pick.command, ...pick.args);
  }

  /** noteOnLine posts a note or question, asked for, at the active editor's selection or line. */
  private async noteOnLine(question: boolean): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) throw new Error('no editor is active');
    const doc = editor.document;
    const sel = editor.selection;
    const range = noteRange(lspRange(sel), doc.lineAt(sel.start.line).text.length);
    const text = await vscode.window.showInputBox({
      title: question ? `Ask about line ${range.start.line + 1}` : `Note on line ${range.start.line + 1}`,
      prompt: 'Everyone in the session sees it at this line (Markdown; links and HTML show as plain text)',
      ignoreFocusOut: true,
    });
    if (!text?.trim()) return;
    await this.postNote(doc.uri, range, text, question);
  }

  /** startThread posts the text of a thread begun from the gutter's "+"; the note's own thread replaces it. */
  private async startThread(r: vscode.CommentReply, question: boolean): Promise<void> {
    if (!r.text.trim()) throw new Error('write the text first');
    const doc = await vscode.workspace.openTextDocument(r.thread.uri);
    const range = noteRange(lspRange(r.thread.range), doc.lineAt(r.thread.range.start.line).text.length);
    await this.postNote(r.thread.uri, range, r.text, question);
    r.thread.dispose();
  }

  private async postNote(uri: vscode.Uri, range: Range, text: string, question: boolean): Promise<void> {
    const answer = await this.request('lspshare.note', [{ uri: uri.toString(), range, text, question }]);
    const id = noteId(answer);
    vscode.window.setStatusBarMessage(`lspshare: ${question ? 'question' : 'note'}${id === undefined ? '' : ` ${id}`} posted`, 5000);
  }

  private async reply(r: vscode.CommentReply): Promise<void> {
    const id = this.threads.idOf(r.thread);
    if (id === undefined) throw new Error('this thread is not a note of the session');
    if (!r.text.trim()) throw new Error('write the reply first');
    await this.request('lspshare.reply', [{ id, text: r.text }]);
  }

  private async resolve(thread: vscode.CommentThread): Promise<void> {
    const id = this.threads.idOf(thread);
    if (id === undefined) throw new Error('this thread is not a note of the session');
    await this.request('lspshare.resolve', [{ id }]);
  }

  /** serves says whether doc goes through lspshare, so that notes can be pinned in it. */
  private serves(doc: vscode.TextDocument): boolean {
    return doc.uri.scheme === 'file' && this.settings().documentSelector.includes(doc.languageId);
  }

  /** execute runs one of the proxy's commands; its answer is the new State. */
  private async execute(command: string, args: unknown[] = []): Promise<State> {
    const s = parseState(await this.request(command, args));
    this.setState(s);
    return s;
  }

  private async request(command: string, args: unknown[]): Promise<unknown> {
    const client = this.client;
    if (!client || !client.isRunning()) {
      throw new Error(this.conflict.kind !== 'none' ? this.conflict.message : 'lspshare lsp is not running');
    }
    return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
  }

  /** guard shows a command's failure to the user; the proxy's error messages are written for them. */
  private async guard(action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (err) {
      void vscode.window.showErrorMessage(`lspshare: ${message(err)}`);
    }
  }

  /** setState shows s. The proxy itself tells the user about pauses and commit mismatches (window/showMessage). */
  private setState(s: State): void {
    this.state = s;
    void vscode.commands.executeCommand('setContext', 'lspshare.inSession', s.session !== '');
    void vscode.commands.executeCommand('setContext', 'lspshare.holdsWheel', holdsWheel(s));
    this.threads.setViewer({ you: s.you, holdsWheel: holdsWheel(s) });
    if (this.marks.keepOnly(s.session ? s.participants.map((p) => p.name) : [], s.you)) this.renderCursors();
    this.render();
  }

  private render(): void {
    const v: StatusView =
      this.conflict.kind !== 'none'
        ? { text: 'Go extension conflict', tooltip: `lspshare: ${this.conflict.message}`, action: 'showStatus', warning: true, icon: 'warning' }
        : statusView(this.state);
    this.statusItem.text = `$(${v.icon}) ${v.text}`;
    this.statusItem.tooltip = v.tooltip;
    this.statusItem.backgroundColor = v.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.statusItem.command =
      this.conflict.kind !== 'none'
        ? 'lspshare.fixGoExtensionConflict'
        : { join: 'lspshare.joinSession', toggleFollow: 'lspshare.toggleFollow', showStatus: 'lspshare.showStatus', menu: 'lspshare.sessionMenu' }[v.action];
    this.participants.update(this.state);
  }

  private cursorArrived(raw: unknown): void {
    const c = parseCursor(raw);
    if (!c || c.name === this.state.you) return;
    if (this.marks.set({ ...c, uri: normalizeUri(c.uri) })) this.renderCursors();
  }

  private renderCursors(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const marks = this.marks.in(editor.document.uri.toString());
      editor.setDecorations(this.decoration, marks.map(decorationFor));
    }
  }

  private selectionChanged(e: vscode.TextEditorSelectionChangeEvent): void {
    const doc = e.textEditor.document;
    if (!this.client || doc.uri.scheme !== 'file' || !this.settings().documentSelector.includes(doc.languageId)) return;
    const sel = e.selections[0];
    if (!sel) return;
    const uri = doc.uri.toString();
    const range = lspRange(sel);
    if (this.echo.isEcho(uri, range)) {
      this.cursorOut.dispose();
      return;
    }
    this.cursorOut.push({ uri, range });
  }

  private sendCursor(c: { uri: string; range: Range }): void {
    const client = this.client;
    if (client?.isRunning()) {
      client.sendNotification('$/lspshare/cursor', c).catch((err) => this.output.appendLine(`sending cursor: ${message(err)}`));
    }
  }

  /** shutdown stops the proxy, after any start or stop under way. */
  shutdown(): Promise<void> {
    return this.serialize(() => this.stopClient());
  }

  dispose(): void {
    this.cursorOut.dispose();
    void this.shutdown();
    for (const d of this.disposables) d.dispose();
  }
}

/** ParticipantsView is the tree of the session's participants, the navigator first. */
class ParticipantsView implements vscode.TreeDataProvider<Participant> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private state: State = solo;

  update(s: State): void {
    this.state = s;
    this.changed.fire();
  }

  getChildren(element?: Participant): Participant[] {
    if (element || !this.state.session) return [];
    return [...this.state.participants].sort((a, b) => Number(b.wheel) - Number(a.wheel) || a.name.localeCompare(b.name));
  }

  getTreeItem(p: Participant): vscode.TreeItem {
    const item = new vscode.TreeItem(p.name, vscode.TreeItemCollapsibleState.None);
    const you = p.name === this.state.you;
    item.description = participantDescription(p, this.state.you);
    item.iconPath = new vscode.ThemeIcon(p.wheel ? 'broadcast' : p.following ? 'eye' : 'person');
    item.contextValue = you ? 'self' : 'participant';
    if (!you) {
      item.command = { command: 'lspshare.jumpToParticipant', title: 'Jump to Participant', arguments: [p.name] };
      item.tooltip = `Click to jump to where ${p.name} is`;
    }
    return item;
  }
}

function decorationFor(c: Cursor): vscode.DecorationOptions {
  const range = new vscode.Range(c.range.start.line, c.range.start.character, c.range.end.line, c.range.end.character);
  return {
    range,
    hoverMessage: `${c.name}${c.wheel ? ' (navigator)' : ''} is here`,
    renderOptions: { after: { contentText: `${c.wheel ? '◆' : '◇'} ${c.name}` } },
  };
}

function lspRange(r: vscode.Range): Range {
  return { start: { line: r.start.line, character: r.start.character }, end: { line: r.end.line, character: r.end.character } };
}

/** noteId is the id in the proxy's answer to lspshare.note, {"id": N}. */
function noteId(answer: unknown): number | undefined {
  const id = (answer as { id?: unknown } | null)?.id;
  return typeof id === 'number' ? id : undefined;
}

function isParticipant(p: unknown): p is Participant {
  return typeof p === 'object' && p !== null && typeof (p as Participant).name === 'string';
}

/** normalizeUri spells a URI the way VS Code does, so that the proxy's and the editor's compare equal. */
function normalizeUri(uri: string): string {
  try {
    return vscode.Uri.parse(uri, true).toString();
  } catch {
    return uri;
  }
}

function whyThisBinary(b: Binary): string {
  switch (b.from) {
    case 'setting':
      return 'the lspshare.path setting';
    case 'PATH':
      return 'found on PATH; it wins over the bundled one, lspshare.path over both';
    case 'bundled':
      return 'bundled with the extension; lspshare on PATH or lspshare.path would win over it';
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
