// The session's notes as VS Code comment threads, one per note on its
// line, kept in step with $/lspshare/notes.
import * as vscode from 'vscode';
import { Range } from './cursor';
import { CommentSpec, Note, ThreadSpec, Viewer, threadSpecs } from './notes';

/** The comment controller's id, which package.json's menus match (commentController == …). */
export const commentControllerId = 'lspshare.notes';

/** NoteThreads owns the comment controller and a thread per note; dispose removes them all. */
export class NoteThreads implements vscode.Disposable {
  private readonly controller = vscode.comments.createCommentController(commentControllerId, 'lspshare notes');
  /** The thread of each note, with the spec it shows, so that unchanged threads are left alone. */
  private readonly threads = new Map<number, { thread: vscode.CommentThread; shown: string }>();
  private notes: Note[] = [];
  private viewer: Viewer = { you: '', holdsWheel: false };

  /** canComment says where the gutter offers to start a thread. */
  constructor(canComment: (doc: vscode.TextDocument) => boolean) {
    this.controller.options = { prompt: 'Reply…', placeHolder: 'Markdown; links and HTML show as plain text' };
    this.controller.commentingRangeProvider = {
      provideCommentingRanges: (doc) => (canComment(doc) ? [new vscode.Range(0, 0, Math.max(doc.lineCount - 1, 0), 0)] : []),
    };
  }

  /** setNotes shows notes, the whole list of the session (empty when out of one). */
  setNotes(notes: Note[]): void {
    this.notes = notes;
    this.render();
  }

  /** setViewer re-renders when who may resolve changed (a new navigator). */
  setViewer(v: Viewer): void {
    if (v.you === this.viewer.you && v.holdsWheel === this.viewer.holdsWheel) return;
    this.viewer = v;
    this.render();
  }

  /** idOf is the note of one of our threads; undefined for a thread being started from the gutter. */
  idOf(thread: vscode.CommentThread): number | undefined {
    for (const [id, t] of this.threads) if (t.thread === thread) return id;
    return undefined;
  }

  private render(): void {
    const specs = threadSpecs(this.notes, this.viewer);
    const ids = new Set(specs.map((s) => s.id));
    for (const [id, t] of this.threads) {
      if (!ids.has(id)) {
        t.thread.dispose();
        this.threads.delete(id);
      }
    }
    for (const spec of specs) this.show(spec);
  }

  /** show makes or updates spec's thread, in place unless the note moved to another file. */
  private show(spec: ThreadSpec): void {
    let uri: vscode.Uri;
    try {
      uri = vscode.Uri.parse(spec.uri, true);
    } catch {
      return;
    }
    const shown = JSON.stringify(spec);
    let t = this.threads.get(spec.id);
    if (t?.shown === shown) return;
    if (t && t.thread.uri.toString() !== uri.toString()) {
      t.thread.dispose();
      t = undefined;
    }
    const comments = spec.comments.map(commentOf);
    const range = rangeOf(spec.range);
    if (!t) {
      const thread = this.controller.createCommentThread(uri, range, comments);
      // Open questions ask for attention; notes and answered questions wait for a click.
      thread.collapsibleState =
        spec.state === 'unresolved' ? vscode.CommentThreadCollapsibleState.Expanded : vscode.CommentThreadCollapsibleState.Collapsed;
      t = { thread, shown };
      this.threads.set(spec.id, t);
    } else {
      t.thread.range = range;
      t.thread.comments = comments;
      t.shown = shown;
    }
    t.thread.label = spec.label;
    t.thread.contextValue = spec.contextValue;
    t.thread.canReply = true;
    if (spec.state) {
      t.thread.state = spec.state === 'resolved' ? vscode.CommentThreadState.Resolved : vscode.CommentThreadState.Unresolved;
    }
  }

  dispose(): void {
    this.threads.clear();
    this.controller.dispose();
  }
}

function commentOf(c: CommentSpec): vscode.Comment {
  const comment: vscode.Comment = { body: untrustedMarkdown(c.body), mode: vscode.CommentMode.Preview, author: { name: c.author } };
  if (c.at) comment.timestamp = c.at;
  if (c.label) comment.label = c.label;
  return comment;
}

/**
 * untrustedMarkdown shows a participant's text (escaped by noteMarkdown):
 * no command links, no HTML, no theme icons.
 */
function untrustedMarkdown(source: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString(source, false);
  md.isTrusted = false;
  md.supportHtml = false;
  md.supportThemeIcons = false;
  return md;
}

function rangeOf(r: Range): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}
