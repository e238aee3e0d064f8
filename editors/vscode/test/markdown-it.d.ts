// The part of markdown-it (a CommonMark renderer) the tests use: it renders
// a note's Markdown the way VS Code's renderer would, with HTML allowed.
declare module 'markdown-it' {
  export default class MarkdownIt {
    constructor(options?: { html?: boolean; linkify?: boolean });
    render(source: string): string;
  }
}
