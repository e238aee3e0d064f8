// The session's notes and questions ($/lspshare/notes) as comment threads,
// their text as Markdown that cannot run anything, and the proxy's copies of
// them as diagnostics, which the extension hides. Nothing here imports
// vscode, so it is unit-tested under plain Node.
import { Range, parseRange } from './cursor';
import { isObject, str } from './state';

/** One reply to a note. */
export interface Reply {
  by: string;
  at: string;
  text: string;
}

/** A note or question of $/lspshare/notes (docs/protocol.md). */
export interface Note {
  id: number;
  by: string;
  at: string;
  text: string;
  question: boolean;
  resolved: boolean;
  replies: Reply[];
  /** The place in this editor's own files; absent when the file is not on this machine. */
  uri?: string;
  range?: Range;
}

/**
 * parseNotes reads the params of $/lspshare/notes, skipping malformed
 * entries, so that a proxy of another version never breaks the extension.
 */
export function parseNotes(raw: unknown): Note[] {
  const list = isObject(raw) && Array.isArray(raw.notes) ? raw.notes : [];
  return list.filter(isObject).flatMap((o) => {
    if (typeof o.id !== 'number' || !Number.isInteger(o.id) || o.id <= 0) return [];
    const n: Note = {
      id: o.id,
      by: str(o.by),
      at: str(o.at),
      text: str(o.text),
      question: o.question === true,
      resolved: o.resolved === true,
      replies: Array.isArray(o.replies) ? o.replies.filter(isObject).map((r) => ({ by: str(r.by), at: str(r.at), text: str(r.text) })) : [],
    };
    const range = parseRange(o.range);
    if (typeof o.uri === 'string' && o.uri !== '' && range) {
      n.uri = o.uri;
      n.range = range;
    }
    return [n];
  });
}

/** Who looks at the threads: resolving is for a question's author and the navigator. */
export interface Viewer {
  you: string;
  holdsWheel: boolean;
}

/** One comment of a thread: the note itself, then its replies. */
export interface CommentSpec {
  author: string;
  /** Markdown source, built by noteMarkdown. */
  body: string;
  /** The time, when the hub gave a valid one. */
  at?: Date;
  label?: string;
}

/** What a comment thread shows for one note. */
export interface ThreadSpec {
  id: number;
  uri: string;
  range: Range;
  label: string;
  /**
   * The thread's contextValue, which the menus of package.json match:
   * lspshare.note, lspshare.question.open (with .resolvable when the viewer
   * may resolve it) or lspshare.question.resolved.
   */
  contextValue: string;
  /** Questions only: notes have no state. */
  state?: 'unresolved' | 'resolved';
  comments: CommentSpec[];
}

/** threadSpecs are the threads for notes, by id; a note not on this machine has none. */
export function threadSpecs(notes: Note[], viewer: Viewer): ThreadSpec[] {
  return notes.flatMap((n) => {
    if (n.uri === undefined || n.range === undefined) return [];
    const comments: CommentSpec[] = [
      comment(n.by, n.at, n.text, n.question ? 'asks' : undefined),
      ...n.replies.map((r) => comment(r.by, r.at, r.text)),
    ];
    const spec: ThreadSpec = { id: n.id, uri: n.uri, range: n.range, label: `Note ${n.id}`, contextValue: 'lspshare.note', comments };
    if (n.question) {
      const resolvable = n.by === viewer.you || viewer.holdsWheel;
      spec.label = `Question ${n.id}${n.resolved ? ' · resolved' : ''}`;
      spec.contextValue = n.resolved ? 'lspshare.question.resolved' : `lspshare.question.open${resolvable ? '.resolvable' : ''}`;
      spec.state = n.resolved ? 'resolved' : 'unresolved';
    }
    return [spec];
  });
}

function comment(by: string, at: string, text: string, label?: string): CommentSpec {
  const c: CommentSpec = { author: by || '?', body: noteMarkdown(text) };
  const t = new Date(at);
  if (at !== '' && !Number.isNaN(t.getTime())) c.at = t;
  if (label) c.label = label;
  return c;
}

/**
 * noteMarkdown is the Markdown source for a participant's text. Emphasis,
 * lists and code spans render; links, images, autolinks and HTML cannot
 * form at all, whatever the renderer allows, because every backslash, `[`,
 * `]`, `<` and `>` outside a code span is escaped. The extension also shows
 * it untrusted, without HTML or theme icons: this is the second wall.
 *
 * Only spans the renderer is sure to read the same way are kept as code: one
 * or two backticks, closed on the same line, with no `|` inside (a table
 * row splits at it, even in code). Any other backtick is escaped, so fenced
 * blocks show as text.
 */
export function noteMarkdown(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const span = codeSpanAt(text, i);
    if (span > i) {
      out += text.slice(i, span);
      i = span;
      continue;
    }
    const c = text[i];
    out += '\\[]<>`'.includes(c) ? `\\${c}` : c;
    i++;
  }
  return out;
}

/** codeSpanAt is the end of a code span noteMarkdown keeps that starts at i, or i when none does. */
function codeSpanAt(text: string, i: number): number {
  const open = /^`+/.exec(text.slice(i))?.[0].length ?? 0;
  if (open === 0 || open > 2) return i;
  const lineEnd = text.indexOf('\n', i);
  const line = text.slice(i + open, lineEnd < 0 ? text.length : lineEnd);
  for (const m of line.matchAll(/`+/g)) {
    if (m[0].length !== open) continue;
    const content = line.slice(0, m.index);
    return content.includes('|') ? i : i + open + m.index + open;
  }
  return i;
}

/** A diagnostic as far as withoutNotes looks at it. */
export interface DiagnosticLike {
  source?: string;
  data?: unknown;
}

/**
 * withoutNotes drops the proxy's diagnostics of notes (source "lspshare",
 * data {"note": ID}): the extension shows notes as comment threads. Every
 * other diagnostic is kept as it is, and when there is none to drop the
 * same array is returned.
 */
export function withoutNotes<D extends DiagnosticLike>(diagnostics: D[]): D[] {
  return diagnostics.some(isNoteDiagnostic) ? diagnostics.filter((d) => !isNoteDiagnostic(d)) : diagnostics;
}

function isNoteDiagnostic(d: DiagnosticLike): boolean {
  return d.source === 'lspshare' && isObject(d.data) && typeof d.data.note === 'number';
}

/**
 * noteRange is the range a note from the editor is pinned to: the
 * selection, or the cursor's whole line when nothing is selected.
 */
export function noteRange(selection: Range, lineLength: number): Range {
  const { start, end } = selection;
  if (start.line !== end.line || start.character !== end.character) return selection;
  return { start: { line: start.line, character: 0 }, end: { line: start.line, character: lineLength } };
}
