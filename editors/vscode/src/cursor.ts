// Cursors crossing between this editor and the proxy ($/lspshare/cursor, in
// both directions). Nothing here imports vscode.

/** An LSP position, in UTF-16 code units as VS Code counts them too. */
export interface Position {
  line: number;
  character: number;
}

/** An LSP range. */
export interface Range {
  start: Position;
  end: Position;
}

/** A participant's cursor as the proxy reports it ($/lspshare/cursor, server → editor). */
export interface Cursor {
  uri: string;
  range: Range;
  name: string;
  wheel: boolean;
}

/** parseCursor checks a $/lspshare/cursor notification; undefined when malformed. */
export function parseCursor(raw: unknown): Cursor | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const o = raw as Record<string, unknown>;
  if (typeof o.uri !== 'string' || typeof o.name !== 'string' || o.name === '') return undefined;
  const range = parseRange(o.range) ?? pointRange(parsePosition(o.position));
  if (!range) return undefined;
  return { uri: o.uri, range, name: o.name, wheel: o.wheel === true };
}

/** parseRange checks an LSP range; undefined when malformed. */
export function parseRange(v: unknown): Range | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const start = parsePosition(o.start);
  const end = parsePosition(o.end);
  return start && end ? { start, end } : undefined;
}

function parsePosition(v: unknown): Position | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;
  return ok(o.line) && ok(o.character) ? { line: o.line, character: o.character } : undefined;
}

function pointRange(p: Position | undefined): Range | undefined {
  return p ? { start: p, end: p } : undefined;
}

/**
 * CursorMarks keeps each participant's last cursor, for the decorations:
 * one mark per name, dropped when the person leaves.
 */
export class CursorMarks {
  private readonly byName = new Map<string, Cursor>();

  /** set records c and reports whether anything changed. */
  set(c: Cursor): boolean {
    const old = this.byName.get(c.name);
    if (old && old.uri === c.uri && sameRange(old.range, c.range) && old.wheel === c.wheel) return false;
    this.byName.set(c.name, c);
    return true;
  }

  /** keepOnly drops the marks of names not in present (and of you), reporting whether any went. */
  keepOnly(present: Iterable<string>, you: string): boolean {
    const keep = new Set(present);
    keep.delete(you);
    let changed = false;
    for (const name of [...this.byName.keys()]) {
      if (!keep.has(name)) {
        this.byName.delete(name);
        changed = true;
      }
    }
    return changed;
  }

  /** in returns the marks on the document uri, sorted by name. */
  in(uri: string): Cursor[] {
    return [...this.byName.values()].filter((c) => c.uri === uri).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** uris are the documents that carry marks. */
  uris(): Set<string> {
    return new Set([...this.byName.values()].map((c) => c.uri));
  }

  clear(): void {
    this.byName.clear();
  }
}

export function sameRange(a: Range, b: Range): boolean {
  return samePosition(a.start, b.start) && samePosition(a.end, b.end);
}

function samePosition(a: Position, b: Position): boolean {
  return a.line === b.line && a.character === b.character;
}

/**
 * EchoFilter tells the editor's own cursor moves from the ones a follow jump
 * caused: after window/showDocument VS Code moves the selection to the
 * target, and reporting that back as "my cursor" would read to the proxy as
 * the attendee navigating on their own.
 */
export class EchoFilter {
  private shown?: { uri: string; range: Range };

  /** shownBy records where a window/showDocument put the cursor. */
  shownBy(uri: string, range: Range): void {
    this.shown = { uri, range };
  }

  /** isEcho reports whether a selection at uri/range is the last follow jump's own. */
  isEcho(uri: string, range: Range): boolean {
    return this.shown !== undefined && this.shown.uri === uri && sameRange(this.shown.range, range);
  }
}

/**
 * Debouncer runs the newest of a burst of calls once the burst has been
 * quiet for delayMs. Cursor moves come at key-repeat speed; the proxy needs
 * only where the cursor settles.
 */
export class Debouncer<T> {
  private timer?: ReturnType<typeof setTimeout>;
  private latest?: T;

  constructor(
    private readonly delayMs: number,
    private readonly run: (value: T) => void,
  ) {}

  push(value: T): void {
    this.latest = value;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire(), this.delayMs);
  }

  private fire(): void {
    this.timer = undefined;
    const v = this.latest as T;
    this.latest = undefined;
    this.run(v);
  }

  /** dispose drops a pending call. */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.latest = undefined;
  }
}
