" The session's notes and questions ($/lspshare/notes): a sign at each
" note's line with the note after the line (an extmark in Neovim, a text
" property in Vim 9), :LspShareNotes's quickfix list, and the commands that
" post, reply and resolve. Note text is only ever shown, never executed.

" The last list the proxy sent, each note with 'file' (resolved), or '' when
" the file is not on this machine.
let s:notes = []
" Buffers that have marks of notes: bufnr -> 1.
let s:drawn = {}

let s:title = 'lspshare notes'
let s:group = 'lspshare_notes'
let s:virtual_text = lspshare#virtual_text()
if has('nvim')
  " Not the signs' group's name: Neovim 0.10 and later make signs extmarks
  " in a namespace of their group's name.
  let s:ns = nvim_create_namespace('lspshare_note_text')
elseif s:virtual_text
  for s:type in ['LspShareQuestion', 'LspShareNote']
    if empty(prop_type_get(s:type))
      call prop_type_add(s:type, {'highlight': s:type})
    endif
  endfor
endif
call sign_define('LspShareQuestion', {'text': '?', 'texthl': 'LspShareQuestion'})
call sign_define('LspShareNote', {'text': '*', 'texthl': 'LspShareNote'})
call sign_define('LspShareResolved', {'text': '✓', 'texthl': 'LspShareNote'})

" lspshare#notes#show takes the params of a $/lspshare/notes: the whole list.
function! lspshare#notes#show(params) abort
  let s:notes = []
  for note in lspshare#list(get(a:params, 'notes', []))
    let file = lspshare#uri_to_file(get(note, 'uri', ''))
    call add(s:notes, extend(copy(note), {'file': empty(file) ? '' : resolve(file)}))
  endfor
  for bufnr in keys(s:drawn)
    call s:clear(str2nr(bufnr))
  endfor
  let s:drawn = {}
  let buffers = s:loaded_buffers()
  for note in s:notes
    if has_key(buffers, note.file)
      call s:draw(buffers[note.file], note)
    endif
  endfor
  let ours = getqflist({'title': 0, 'id': 0})
  if get(ours, 'title', '') ==# s:title
    call setqflist([], 'r', {'id': ours.id, 'items': s:items()})
  endif
  if !has('nvim')
    redraw " Vim does not redraw for signs and properties a callback adds
  endif
  if exists('#User#LspShareNotes')
    doautocmd <nomodeline> User LspShareNotes
  endif
endfunction

" lspshare#notes#list is the notes as the proxy last sent them.
function! lspshare#notes#list() abort
  return deepcopy(s:notes)
endfunction

" lspshare#notes#render_buffer draws the notes of a buffer just shown in a
" window, afresh: a buffer loaded again has lost its marks.
function! lspshare#notes#render_buffer(bufnr) abort
  if has_key(s:drawn, a:bufnr)
    call s:clear(a:bufnr)
    call remove(s:drawn, a:bufnr)
  endif
  let file = resolve(fnamemodify(bufname(a:bufnr), ':p'))
  for note in s:notes
    if note.file ==# file
      call s:draw(a:bufnr, note)
    endif
  endfor
endfunction

" s:loaded_buffers maps the files of loaded buffers (resolved) to their
" numbers, looked up once for all the notes.
function! s:loaded_buffers() abort
  let buffers = {}
  for bufnr in range(1, bufnr('$'))
    if bufloaded(bufnr) && !empty(bufname(bufnr))
      let buffers[resolve(fnamemodify(bufname(bufnr), ':p'))] = bufnr
    endif
  endfor
  return buffers
endfunction

function! s:draw(bufnr, note) abort
  let line = get(get(get(a:note, 'range', {}), 'start', {}), 'line', -1)
  if line < 0 || line >= getbufinfo(a:bufnr)[0].linecount
    return
  endif
  let open = s:open(a:note)
  let sign = open ? 'LspShareQuestion' : get(a:note, 'resolved', v:false) is v:true ? 'LspShareResolved' : 'LspShareNote'
  call sign_place(0, s:group, sign, a:bufnr, {'lnum': line + 1, 'priority': 20})
  let text = printf('#%d %s', get(a:note, 'id', 0), lspshare#notes#text(a:note))
  let hl = open ? 'LspShareQuestion' : 'LspShareNote'
  if has('nvim')
    call nvim_buf_set_extmark(a:bufnr, s:ns, line, 0, {'virt_text': [['  ' . text, hl]], 'virt_text_pos': 'eol'})
  elseif s:virtual_text
    call prop_add(line + 1, 0, {'type': hl, 'bufnr': a:bufnr, 'text': text,
          \ 'text_align': 'after', 'text_padding_left': 2})
  endif
  let s:drawn[a:bufnr] = 1
endfunction

function! s:clear(bufnr) abort
  if !bufexists(a:bufnr)
    return
  endif
  call sign_unplace(s:group, {'buffer': a:bufnr})
  if has('nvim')
    call nvim_buf_clear_namespace(a:bufnr, s:ns, 0, -1)
  elseif s:virtual_text && bufloaded(a:bufnr)
    for type in ['LspShareQuestion', 'LspShareNote']
      call prop_remove({'type': type, 'bufnr': a:bufnr, 'all': 1})
    endfor
  endif
endfunction

function! s:open(note) abort
  return get(a:note, 'question', v:false) is v:true && get(a:note, 'resolved', v:false) isnot v:true
endfunction

" lspshare#notes#text is a note as one line, as its diagnostic says it:
" "ann: why is this locked? (2 replies, resolved)".
function! lspshare#notes#text(note) abort
  let extra = []
  let replies = len(lspshare#list(get(a:note, 'replies', [])))
  if replies > 0
    call add(extra, replies == 1 ? '1 reply' : replies . ' replies')
  endif
  if get(a:note, 'resolved', v:false) is v:true
    call add(extra, 'resolved')
  endif
  return s:line(get(a:note, 'by', '?') . ': ' . get(a:note, 'text', ''))
        \ . (empty(extra) ? '' : ' (' . join(extra, ', ') . ')')
endfunction

" s:line is text on one line: a note's own line breaks become spaces.
function! s:line(text) abort
  return substitute(a:text, '\s*\n\s*', ' ', 'g')
endfunction

" lspshare#notes#quickfix fills the quickfix list with the notes, each
" followed by its replies, and opens it.
function! lspshare#notes#quickfix() abort
  call setqflist([], ' ', {'title': s:title, 'items': s:items()})
  if empty(s:notes)
    call lspshare#message('lspshare: no notes in this session yet', 'info')
    return
  endif
  copen
endfunction

" s:items are the quickfix entries: a note at its place (type I for an open
" question, N otherwise, its id as the number), then its replies.
function! s:items() abort
  let items = []
  let buffers = s:loaded_buffers()
  let files = {} " file -> its lines, each read once
  for note in s:notes
    let item = {'text': lspshare#notes#text(note), 'nr': get(note, 'id', 0), 'type': s:open(note) ? 'I' : 'N'}
    if empty(note.file)
      let item.text .= ' (the file is not on this machine)'
    else
      let start = note.range.start
      let line = get(s:lines(note.file, buffers, files), start.line, '')
      call extend(item, {'filename': note.file, 'lnum': start.line + 1, 'col': s:byte_index(line, start.character) + 1})
    endif
    call add(items, item)
    for reply in lspshare#list(get(note, 'replies', []))
      call add(items, {'text': '  ' . s:line(get(reply, 'by', '?') . ': ' . get(reply, 'text', '')), 'valid': 0})
    endfor
  endfor
  return items
endfunction

" s:byte_index is the byte index on line of an LSP character offset: in
" UTF-16 units in Vim, in the client's encoding in Neovim.
function! s:byte_index(line, character) abort
  if has('nvim')
    return luaeval('require("lspshare").byte_index(_A[1], _A[2])', [a:line, a:character])
  endif
  return lspshare#utf16_to_byte(a:line, a:character)
endfunction

" s:lines are the lines of a file, from its buffer if it has one, kept in
" files.
function! s:lines(file, buffers, files) abort
  if !has_key(a:files, a:file)
    let a:files[a:file] = has_key(a:buffers, a:file) ? getbufline(a:buffers[a:file], 1, '$')
          \ : filereadable(a:file) ? readfile(a:file) : []
  endif
  return a:files[a:file]
endfunction

" lspshare#notes#post pins a note, or a question, to the cursor or to the
" lines (or the Visual selection) a command's range gives.
function! lspshare#notes#post(question, text, count, line1, line2) abort
  let bufnr = bufnr('%')
  let range = s:selection(a:count, a:line1, a:line2)
  let args = [bufnr, range, a:text, a:question ? v:true : v:false]
  if has('nvim')
    let sent = luaeval('require("lspshare").note(_A[1], _A[2], _A[3], _A[4])', args)
  else
    let sent = call('lspshare#channel#note', args)
  endif
  if !sent
    call lspshare#message('lspshare: this buffer has no lspshare proxy: notes go on Go files', 'error')
  endif
endfunction

" s:selection is the range of the note in bytes, 0-based, end exclusive:
" the cursor without a range; a characterwise Visual selection when the
" range is its lines; else the whole lines.
function! s:selection(count, line1, line2) abort
  if a:count == 0
    let at = {'line': line('.') - 1, 'col': col('.') - 1}
    return {'start': at, 'end': at}
  endif
  if visualmode() ==# 'v' && a:line1 == line("'<") && a:line2 == line("'>")
    let last = getline(a:line2)
    let col = min([col("'>") - 1, len(last)])
    " '> is at the last character's first byte: the range ends after it.
    let end = col + len(strcharpart(strpart(last, col), 0, 1))
    return {'start': {'line': a:line1 - 1, 'col': col("'<") - 1}, 'end': {'line': a:line2 - 1, 'col': end}}
  endif
  return {'start': {'line': a:line1 - 1, 'col': 0}, 'end': {'line': a:line2 - 1, 'col': len(getline(a:line2))}}
endfunction

" lspshare#notes#reply takes the arguments of :LspShareReply, "{id} {text}".
function! lspshare#notes#reply(args) abort
  let m = matchlist(a:args, '^\s*#\=\(\d\+\)\s\+\(.*\S\)')
  if empty(m)
    call lspshare#message('lspshare: usage: :LspShareReply {id} {text}', 'error')
    return
  endif
  call lspshare#execute('lspshare.reply', [{'id': str2nr(m[1]), 'text': m[2]}])
endfunction

" lspshare#notes#resolve takes the argument of :LspShareResolve, "{id}".
function! lspshare#notes#resolve(arg) abort
  let m = matchlist(a:arg, '^\s*#\=\(\d\+\)\s*$')
  if empty(m)
    call lspshare#message('lspshare: usage: :LspShareResolve {id}', 'error')
    return
  endif
  call lspshare#execute('lspshare.resolve', [{'id': str2nr(m[1])}])
endfunction

" lspshare#notes#on_answer tells the user what the hub took.
function! lspshare#notes#on_answer(command, result) abort
  let id = get(a:result, 'id', 0)
  let done = {'lspshare.note': 'posted as #%d', 'lspshare.reply': 'reply to #%d posted',
        \ 'lspshare.resolve': '#%d resolved'}
  call lspshare#message('lspshare: ' . printf(done[a:command], id), 'info')
endfunction

function! lspshare#notes#complete_ids(...) abort
  return join(map(copy(s:notes), 'get(v:val, "id", "")'), "\n")
endfunction
