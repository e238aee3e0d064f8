" lspshare.vim, common to Vim and Neovim: commands, session state, the
" statusline. Talking to the proxy is the backend's job: the lspshare Lua
" module in Neovim, autoload/lspshare/channel.vim in Vim.

" The last $/lspshare/state the proxy sent (empty when none yet).
let g:lspshare_state = get(g:, 'lspshare_state', {})

function! lspshare#filetypes() abort
  return get(g:, 'lspshare_filetypes', ['go', 'gomod'])
endfunction

" lspshare#command() is the command that starts the proxy, a list of
" arguments (no shell parses it): g:lspshare_cmd, or a program path alone
" when g:lspshare_cmd is a string, spaces and all.
function! lspshare#command() abort
  let cmd = get(g:, 'lspshare_cmd', ['lspshare', 'lsp'])
  return type(cmd) == v:t_string ? [cmd, 'lsp'] : copy(cmd)
endfunction

" lspshare#env() is what the proxy's environment adds to the editor's:
" g:lspshare_join and g:lspshare_name. The join link holds a session key,
" so it goes in the environment, which only its owner can read, never in
" the arguments, which any local user can.
function! lspshare#env() abort
  let env = {}
  if !empty(get(g:, 'lspshare_join', ''))
    let env.LSPSHARE_JOIN = g:lspshare_join
  endif
  if !empty(get(g:, 'lspshare_name', ''))
    let env.LSPSHARE_NAME = g:lspshare_name
  endif
  return env
endfunction

" lspshare#root() is the workspace folder of a file: the nearest folder with
" go.work or go.mod, else the file's own folder.
function! lspshare#root(file) abort
  let dir = fnamemodify(a:file, ':p:h')
  for marker in ['go.work', 'go.mod']
    let found = findfile(marker, fnameescape(dir) . ';')
    if !empty(found)
      return fnamemodify(found, ':p:h')
    endif
  endfor
  return dir
endfunction

function! lspshare#attach(bufnr) abort
  if has('nvim')
    call luaeval('require("lspshare").attach(_A)', a:bufnr)
  else
    call lspshare#channel#attach(a:bufnr)
  endif
endfunction

" lspshare#ready() reports whether a proxy is running and initialized.
function! lspshare#ready() abort
  if has('nvim')
    return luaeval('require("lspshare").ready()') ? 1 : 0
  endif
  return lspshare#channel#ready()
endfunction

" lspshare#join() joins through the running proxies, or, with none running
" yet, remembers the link for the proxy that the next Go file starts.
function! lspshare#join(link) abort
  let g:lspshare_join = a:link
  if !s:execute('lspshare.join', [a:link])
    if index(lspshare#filetypes(), &filetype) >= 0
      call lspshare#attach(bufnr('%'))
      call s:info('starting the proxy to join the session')
    else
      call s:info('the proxy started by the next Go file will join the session')
    endif
  endif
endfunction

function! lspshare#execute(command, arguments) abort
  if !s:execute(a:command, a:arguments)
    call s:error('no lspshare proxy is running: open a Go file first (is "'
          \ . join(lspshare#command()[:1]) . '" on $PATH?)')
  endif
endfunction

" Commands that every running proxy must get: each proxy joins and leaves
" the session itself (one leaving keeps the others in). The rest are the
" person's, whose proxies on this machine are one participant, so one proxy
" acts for all: sent to every one, a reply would be posted, a hand raised,
" a jump made once per proxy.
let s:to_every_proxy = ['lspshare.join', 'lspshare.leave']

" s:execute sends workspace/executeCommand to every running proxy, or, for
" a command of the person's, to one (the current buffer's, else any), and
" reports whether there was one. Answers come to lspshare#on_answer.
function! s:execute(command, arguments) abort
  let all = index(s:to_every_proxy, a:command) >= 0 ? v:true : v:false
  if has('nvim')
    return luaeval('require("lspshare").execute(_A[1], _A[2], _A[3])', [a:command, a:arguments, all])
  endif
  return lspshare#channel#execute(a:command, a:arguments, all)
endfunction

" lspshare#on_answer takes a proxy's answer to a command: an error message to
" show, or the session state.
function! lspshare#on_answer(command, error, result) abort
  if !empty(a:error)
    call s:error(a:error)
    return
  endif
  if type(a:result) != v:t_dict
    return
  endif
  if index(['lspshare.note', 'lspshare.reply', 'lspshare.resolve'], a:command) >= 0
    " These answer the note's {"id": N}, not the state.
    call lspshare#notes#on_answer(a:command, a:result)
    return
  endif
  call lspshare#on_state(a:result)
  if a:command ==# 'lspshare.status'
    echo join(lspshare#describe(a:result), "\n")
  else
    call s:info(lspshare#summary(a:result))
  endif
endfunction

" lspshare#on_state takes a $/lspshare/state: it keeps it in g:lspshare_state,
" tells the user what changed for them, and refreshes statuslines.
function! lspshare#on_state(state) abort
  if type(a:state) != v:t_dict
    return
  endif
  let old = g:lspshare_state
  let g:lspshare_state = a:state
  if get(a:state, 'paused', v:false) is v:true && get(old, 'paused', v:false) isnot v:true
    call s:info('following paused because you moved on your own; :LspShareFollow resumes')
  endif
  if !empty(get(a:state, 'error', '')) && get(a:state, 'error', '') !=# get(old, 'error', '')
    call s:error(a:state.error)
  endif
  if type(get(a:state, 'mismatch', v:null)) == v:t_dict && type(get(old, 'mismatch', v:null)) != v:t_dict
    call s:info(printf('your checkout is at %s, %s is at %s: places may not match',
          \ s:short(get(a:state.mismatch, 'yours', '?')), get(a:state, 'wheel', 'the navigator'),
          \ s:short(get(a:state.mismatch, 'wheel', '?'))))
  endif
  let names = map(copy(lspshare#list(get(a:state, 'participants', []))), 'get(v:val, "name", "")')
  call lspshare#cursor#forget_except(names)
  redrawstatus!
  if exists('#User#LspShareState')
    doautocmd <nomodeline> User LspShareState
  endif
endfunction

" lspshare#statusline() is a statusline component: "following potsbo",
" "paused", "driving · 5 following · ✋ 2", or "" outside a session.
function! lspshare#statusline() abort
  return lspshare#summary(g:lspshare_state)
endfunction

function! lspshare#summary(state) abort
  if empty(get(a:state, 'session', ''))
    return empty(get(a:state, 'error', '')) ? '' : 'lspshare: ' . a:state.error
  endif
  if get(a:state, 'connected', v:true) isnot v:true
    " Before the first connection the proxy is connecting, not reconnecting.
    let text = get(a:state, 'reconnecting', v:false) is v:true ? 'reconnecting' : 'connecting'
  elseif !empty(get(a:state, 'wheel', '')) && get(a:state, 'wheel', '') ==# get(a:state, 'you', '')
    let text = printf('driving · %d following', get(a:state, 'followers', 0))
  elseif get(a:state, 'paused', v:false) is v:true
    let text = 'paused'
  elseif get(a:state, 'following', v:false) is v:true
    let text = empty(get(a:state, 'wheel', '')) ? 'following (no navigator)' : 'following ' . a:state.wheel
  else
    let text = 'not following'
  endif
  if get(a:state, 'hands', 0) > 0
    let text .= ' · ✋ ' . a:state.hands
  endif
  if type(get(a:state, 'mismatch', v:null)) == v:t_dict
    let text .= ' · other commit'
  endif
  return text
endfunction

" lspshare#describe() is the state as lines for :LspShareStatus.
function! lspshare#describe(state) abort
  if empty(get(a:state, 'session', ''))
    let lines = ['lspshare: not in a session (:LspShareJoin {link})']
    if !empty(get(a:state, 'error', ''))
      call add(lines, 'last error: ' . a:state.error)
    endif
    return lines
  endif
  let lines = [printf('lspshare: session %s on %s, you are %s (%s): %s',
        \ a:state.session, get(a:state, 'hub', '?'), get(a:state, 'you', '?'),
        \ get(a:state, 'role', '?'), lspshare#summary(a:state))]
  for p in lspshare#list(get(a:state, 'participants', []))
    let marks = []
    if get(p, 'wheel', v:false) is v:true | call add(marks, 'navigating') | endif
    if get(p, 'following', v:false) is v:true | call add(marks, 'following') | endif
    if get(p, 'connected', v:true) isnot v:true | call add(marks, 'offline') | endif
    if !empty(get(p, 'hand', ''))
      " RFC 3339 in UTC: its hour and minute.
      call add(marks, printf('✋ since %s UTC', strpart(p.hand, 11, 5)))
    endif
    if type(get(p, 'place', v:null)) == v:t_dict
      call add(marks, printf('at %s:%d', fnamemodify(lspshare#uri_to_file(p.place.uri), ':~:.'),
            \ p.place.range.start.line + 1))
    endif
    call add(lines, printf('  %-16s %-6s %s', get(p, 'name', '?'), get(p, 'role', ''), join(marks, ', ')))
  endfor
  if type(get(a:state, 'mismatch', v:null)) == v:t_dict
    call add(lines, printf('  commits differ: yours %s, navigator %s',
          \ s:short(get(a:state.mismatch, 'yours', '?')), s:short(get(a:state.mismatch, 'wheel', '?'))))
  endif
  if !empty(get(a:state, 'error', ''))
    call add(lines, 'last error: ' . a:state.error)
  endif
  return lines
endfunction

function! lspshare#complete_names(...) abort
  let you = get(g:lspshare_state, 'you', '')
  let names = map(copy(lspshare#list(get(g:lspshare_state, 'participants', []))), 'get(v:val, "name", "")')
  return join(filter(names, '!empty(v:val) && v:val !=# you'), "\n")
endfunction

" lspshare#cursor_moved debounces the user's cursor moves into
" $/lspshare/cursor notifications.
function! lspshare#cursor_moved() abort
  if index(lspshare#filetypes(), &filetype) < 0
    return
  endif
  if exists('s:cursor_timer')
    call timer_stop(s:cursor_timer)
  endif
  let s:cursor_timer = timer_start(get(g:, 'lspshare_cursor_delay', 150), function('s:send_cursor'))
endfunction

function! s:send_cursor(timer) abort
  unlet! s:cursor_timer
  if has('nvim')
    lua require('lspshare').send_cursor()
  else
    call lspshare#channel#send_cursor()
  endif
endfunction

function! lspshare#render_cursors(bufnr) abort
  call lspshare#cursor#render_buffer(a:bufnr)
endfunction

" lspshare#utf16_to_byte converts an LSP character offset (UTF-16 code
" units) on a line into a 0-based byte index.
function! lspshare#utf16_to_byte(line, character) abort
  let units = 0
  let bytes = 0
  for ch in split(a:line, '\zs')
    if units >= a:character
      break
    endif
    let units += char2nr(ch) > 0xFFFF ? 2 : 1
    let bytes += len(ch)
  endfor
  return bytes
endfunction

" lspshare#byte_to_utf16 converts a 0-based byte index on a line into an LSP
" character offset.
function! lspshare#byte_to_utf16(line, byte) abort
  let units = 0
  for ch in split(strpart(a:line, 0, a:byte), '\zs')
    let units += char2nr(ch) > 0xFFFF ? 2 : 1
  endfor
  return units
endfunction

function! s:short(commit) abort
  return strpart(a:commit, 0, 12)
endfunction

function! s:info(text) abort
  call lspshare#message('lspshare: ' . a:text, 'info')
endfunction

function! s:error(text) abort
  call lspshare#message(a:text =~# '^lspshare' ? a:text : 'lspshare: ' . a:text, 'error')
endfunction

" lspshare#message shows one line to the user, from a callback as well: it
" clears the message area first and cuts the text to the screen's width,
" so that messages arriving together never stop the editor at a hit-enter
" prompt nor scroll the screen. kind is 'error', 'warning' or 'info'.
function! lspshare#message(text, kind) abort
  let text = substitute(a:text, '\n', ' ', 'g')
  let room = max([20, &columns - 20])
  if strdisplaywidth(text) > room
    let text = strcharpart(text, 0, room - 1) . '…'
  endif
  redraw
  execute 'echohl' get({'error': 'ErrorMsg', 'warning': 'WarningMsg'}, a:kind, 'None')
  echomsg text
  echohl None
endfunction

" lspshare#list is v if it is a List, else [] (a JSON null, for example).
function! lspshare#list(v) abort
  return type(a:v) == v:t_list ? a:v : []
endfunction

" lspshare#loaded_buffer is the loaded buffer of a file (resolved), or -1.
function! lspshare#loaded_buffer(file) abort
  for info in getbufinfo({'bufloaded': 1})
    if !empty(info.name) && resolve(fnamemodify(info.name, ':p')) ==# a:file
      return info.bufnr
    endif
  endfor
  return -1
endfunction

" lspshare#virtual_text reports whether this Vim draws text properties
" with text (Neovim has extmarks instead).
function! lspshare#virtual_text() abort
  return !has('nvim') && has('patch-9.0.0121')
endfunction

" lspshare#file_to_uri and lspshare#uri_to_file convert between file names
" and file:// URIs, percent-encoding bytes outside the unreserved set.
function! lspshare#file_to_uri(file) abort
  let path = substitute(fnamemodify(a:file, ':p'), '.\zs/$', '', '')
  return 'file://' . substitute(path, '[^A-Za-z0-9/._~-]',
        \ '\=join(map(range(len(submatch(0))), "printf(\"%%%02X\", char2nr(submatch(0)[v:val]))"), "")', 'g')
endfunction

function! lspshare#uri_to_file(uri) abort
  if a:uri !~# '^file://'
    return ''
  endif
  let path = substitute(a:uri, '^file://', '', '')
  return substitute(path, '%\(\x\x\)', '\=nr2char(str2nr(submatch(1), 16), 1)', 'g')
endfunction
