" lspshare for Vim 9: a small LSP client on Vim's native "lsp" channel mode
" that runs `lspshare lsp`, keeps it told about Go buffers, follows
" window/showDocument, answers every other server request, and offers
" go-to-definition and hover, so that nothing else is needed.

" root -> {'job', 'root', 'ready', 'queue': messages waiting for initialize}
let s:servers = {}

" Where the last followed jump put the cursor: [file, line, col], so that
" landing there is not reported back as a move of the user's own.
let s:landed = []

function! lspshare#channel#attach(bufnr) abort
  let file = fnamemodify(bufname(a:bufnr), ':p')
  if empty(bufname(a:bufnr)) || !empty(getbufvar(a:bufnr, '&buftype'))
    return
  endif
  let root = lspshare#root(file)
  let server = get(s:servers, root, {})
  if empty(server)
    " A file outside every workspace (GOROOT, the module cache, a file
    " brought from the navigator) belongs to the proxy that showed it: a
    " second proxy would join the session a second time.
    for other in values(s:servers)
      if job_status(other.job) ==# 'run'
        let server = other
        let root = other.root
      endif
    endfor
  endif
  if empty(server) || job_status(server.job) !=# 'run'
    let server = s:start(root)
    if empty(server)
      return
    endif
  endif
  if getbufvar(a:bufnr, 'lspshare_root', '') ==# root
    return
  endif
  call setbufvar(a:bufnr, 'lspshare_root', root)
  call setbufvar(a:bufnr, 'lspshare_version', 1)
  call setbufvar(a:bufnr, 'lspshare_tick', getbufvar(a:bufnr, 'changedtick'))
  call s:send(server, {'method': 'textDocument/didOpen', 'params': {'textDocument': {
        \ 'uri': lspshare#file_to_uri(file), 'languageId': getbufvar(a:bufnr, '&filetype'),
        \ 'version': 1, 'text': s:text(a:bufnr)}}})
  call s:buffer_autocmds(a:bufnr)
  if get(g:, 'lspshare_mappings', 1)
    call s:map_keys(a:bufnr)
  endif
endfunction

function! s:start(root) abort
  let cmd = lspshare#command()
  if !executable(cmd[0])
    call lspshare#message('lspshare: "' . cmd[0] . '" is not on $PATH (set g:lspshare_cmd)', 'error')
    return {}
  endif
  let server = {'root': a:root, 'ready': 0, 'queue': []}
  let server.job = job_start(cmd, {
        \ 'in_mode': 'lsp', 'out_mode': 'lsp', 'err_mode': 'nl',
        \ 'out_cb': function('s:on_message', [a:root]),
        \ 'err_cb': function('s:on_stderr'),
        \ 'exit_cb': function('s:on_exit', [a:root]),
        \ 'env': lspshare#env(), 'cwd': a:root, 'noblock': 1})
  if job_status(server.job) !=# 'run'
    call lspshare#message('lspshare: cannot start ' . join(cmd), 'error')
    return {}
  endif
  let s:servers[a:root] = server
  let uri = lspshare#file_to_uri(a:root)
  call ch_sendexpr(server.job, {'method': 'initialize', 'params': {
        \ 'processId': getpid(),
        \ 'clientInfo': {'name': 'lspshare.vim', 'version': string(v:version)},
        \ 'rootUri': uri,
        \ 'workspaceFolders': [{'uri': uri, 'name': fnamemodify(a:root, ':t')}],
        \ 'capabilities': s:capabilities()}},
        \ {'callback': function('s:on_initialize', [a:root])})
  return server
endfunction

function! s:capabilities() abort
  return {
        \ 'general': {'positionEncodings': ['utf-16']},
        \ 'window': {'showDocument': {'support': v:true}, 'workDoneProgress': v:false},
        \ 'workspace': {'configuration': v:true, 'workspaceFolders': v:true},
        \ 'textDocument': {
        \   'synchronization': {'didSave': v:true, 'dynamicRegistration': v:false},
        \   'definition': {'linkSupport': v:true},
        \   'hover': {'contentFormat': ['plaintext', 'markdown']}}}
endfunction

function! s:on_initialize(root, channel, msg) abort
  let server = get(s:servers, a:root, {})
  if empty(server)
    return
  endif
  if has_key(a:msg, 'error')
    call lspshare#message('lspshare: initialize failed: ' . get(a:msg.error, 'message', ''), 'error')
    return
  endif
  call ch_sendexpr(server.job, {'method': 'initialized', 'params': {}})
  let server.ready = 1
  for [msg, opts] in server.queue
    call ch_sendexpr(server.job, msg, opts)
  endfor
  let server.queue = []
endfunction

" s:send sends a message, or queues it until initialize is answered.
function! s:send(server, msg, ...) abort
  let opts = a:0 ? a:1 : {}
  if a:server.ready
    call ch_sendexpr(a:server.job, a:msg, opts)
  else
    call add(a:server.queue, [a:msg, opts])
  endif
endfunction

" s:request sends a request with a callback that gets the response.
function! s:request(server, method, params, Callback) abort
  call s:send(a:server, {'method': a:method, 'params': a:params}, {'callback': a:Callback})
  return 1
endfunction

" lspshare#channel#ready reports whether a proxy has answered initialize.
function! lspshare#channel#ready() abort
  return len(filter(values(s:servers), 'v:val.ready && job_status(v:val.job) ==# "run"')) > 0
endfunction

function! s:server_of(bufnr) abort
  let server = get(s:servers, getbufvar(a:bufnr, 'lspshare_root', ''), {})
  return !empty(server) && job_status(server.job) ==# 'run' ? server : {}
endfunction

function! s:text(bufnr) abort
  return join(getbufline(a:bufnr, 1, '$'), "\n") . "\n"
endfunction

function! s:buffer_autocmds(bufnr) abort
  execute 'augroup lspshare_buffer_' . a:bufnr
  autocmd!
  execute 'autocmd TextChanged,InsertLeave <buffer=' . a:bufnr . '> call s:sync(' . a:bufnr . ')'
  execute 'autocmd BufWritePost <buffer=' . a:bufnr . '> call s:did_save(' . a:bufnr . ')'
  execute 'autocmd BufUnload <buffer=' . a:bufnr . '> call s:did_close(' . a:bufnr . ')'
  augroup END
endfunction

function! s:map_keys(bufnr) abort
  if bufnr('%') != a:bufnr
    return
  endif
  nnoremap <buffer> <silent> gd :call lspshare#channel#definition()<CR>
  nnoremap <buffer> <silent> K :call lspshare#channel#hover()<CR>
endfunction

" s:sync sends the buffer's text if it changed since last sent.
function! s:sync(bufnr) abort
  let server = s:server_of(a:bufnr)
  if empty(server) || getbufvar(a:bufnr, 'changedtick') == getbufvar(a:bufnr, 'lspshare_tick')
    return
  endif
  let ver = getbufvar(a:bufnr, 'lspshare_version') + 1
  call setbufvar(a:bufnr, 'lspshare_version', ver)
  call setbufvar(a:bufnr, 'lspshare_tick', getbufvar(a:bufnr, 'changedtick'))
  call s:send(server, {'method': 'textDocument/didChange', 'params': {
        \ 'textDocument': {'uri': s:uri(a:bufnr), 'version': ver},
        \ 'contentChanges': [{'text': s:text(a:bufnr)}]}})
endfunction

function! s:did_save(bufnr) abort
  let server = s:server_of(a:bufnr)
  if !empty(server)
    call s:send(server, {'method': 'textDocument/didSave', 'params': {'textDocument': {'uri': s:uri(a:bufnr)}}})
  endif
endfunction

function! s:did_close(bufnr) abort
  let server = s:server_of(a:bufnr)
  if !empty(server)
    call s:send(server, {'method': 'textDocument/didClose', 'params': {'textDocument': {'uri': s:uri(a:bufnr)}}})
  endif
  call setbufvar(a:bufnr, 'lspshare_root', '')
  execute 'silent! autocmd! lspshare_buffer_' . a:bufnr
endfunction

function! s:uri(bufnr) abort
  return lspshare#file_to_uri(fnamemodify(bufname(a:bufnr), ':p'))
endfunction

function! s:position() abort
  return {'line': line('.') - 1, 'character': lspshare#byte_to_utf16(getline('.'), col('.') - 1)}
endfunction

" lspshare#channel#definition jumps to the definition under the cursor
" (textDocument/definition through the proxy, so the jump is shared).
function! lspshare#channel#definition() abort
  call s:position_request('textDocument/definition', function('s:on_definition'))
endfunction

" lspshare#channel#hover shows the documentation of the word under the
" cursor in a popup.
function! lspshare#channel#hover() abort
  call s:position_request('textDocument/hover', function('s:on_hover'))
endfunction

function! s:position_request(method, Callback) abort
  let bufnr = bufnr('%')
  let server = s:server_of(bufnr)
  if empty(server)
    call lspshare#message('lspshare: no language server for this buffer', 'warning')
    return
  endif
  call s:sync(bufnr)
  call s:request(server, a:method, {'textDocument': {'uri': s:uri(bufnr)}, 'position': s:position()}, a:Callback)
endfunction

function! s:on_definition(channel, msg) abort
  if has_key(a:msg, 'error')
    call lspshare#message('lspshare: ' . get(a:msg.error, 'message', 'definition failed'), 'error')
    return
  endif
  let result = get(a:msg, 'result', v:null)
  let locations = type(result) == v:t_list ? result : type(result) == v:t_dict ? [result] : []
  if empty(locations)
    call lspshare#message('lspshare: no definition found', 'info')
    return
  endif
  let loc = locations[0]
  let uri = get(loc, 'targetUri', get(loc, 'uri', ''))
  let range = get(loc, 'targetSelectionRange', get(loc, 'range', {}))
  call s:go(uri, get(range, 'start', {'line': 0, 'character': 0}))
endfunction

function! s:on_hover(channel, msg) abort
  let contents = get(get(a:msg, 'result', {}) ?? {}, 'contents', '')
  let text = s:markup(contents)
  if empty(trim(text))
    call lspshare#message('lspshare: no information here', 'info')
    return
  endif
  call popup_atcursor(split(text, "\n"), {'moved': 'any', 'border': [], 'padding': [0, 1, 0, 1],
        \ 'maxwidth': max([40, &columns - 10])})
endfunction

" s:markup is the text of MarkupContent, a MarkedString, or a list of them.
function! s:markup(contents) abort
  if type(a:contents) == v:t_string
    return a:contents
  elseif type(a:contents) == v:t_list
    return join(map(copy(a:contents), 's:markup(v:val)'), "\n\n")
  elseif type(a:contents) == v:t_dict
    return get(a:contents, 'value', '')
  endif
  return ''
endfunction

" s:go opens a file:// uri at an LSP position in the current window, keeping
" the jump list. It reports whether it went there.
function! s:go(uri, position) abort
  let file = lspshare#uri_to_file(a:uri)
  if empty(file)
    call lspshare#message('lspshare: cannot open ' . a:uri, 'error')
    return 0
  endif
  " No :normal here: run from a callback, Vim 9.0 lets keys of it leak into
  " the user's typeahead ("zv" started Visual mode) or drops the next key.
  mark '
  if resolve(fnamemodify(bufname('%'), ':p')) !=# resolve(file)
    try
      execute 'silent hide edit ' . fnameescape(file)
    catch
      call lspshare#message('lspshare: ' . v:exception, 'error')
      return 0
    endtry
  endif
  let lnum = min([a:position.line + 1, line('$')])
  call cursor(lnum, lspshare#utf16_to_byte(getline(lnum), a:position.character) + 1)
  silent! foldopen!
  redraw
  return 1
endfunction

function! s:on_message(root, channel, msg) abort
  if !has_key(a:msg, 'method')
    return
  endif
  if has_key(a:msg, 'id')
    call s:on_request(a:root, a:msg)
  else
    call s:on_notification(a:msg)
  endif
endfunction

" s:on_request answers every server request: the ones a client must know,
" and an error for the others, because a server may wait for any answer.
function! s:on_request(root, msg) abort
  let server = get(s:servers, a:root, {})
  if empty(server)
    return
  endif
  let params = get(a:msg, 'params', {})
  let method = a:msg.method
  let answer = {'id': a:msg.id}
  if method ==# 'window/showDocument'
    let answer.result = {'success': s:show_document(params) ? v:true : v:false}
  elseif method ==# 'workspace/configuration'
    let answer.result = map(copy(get(params, 'items', [])), 'v:null')
  elseif method ==# 'workspace/workspaceFolders'
    let answer.result = [{'uri': lspshare#file_to_uri(a:root), 'name': fnamemodify(a:root, ':t')}]
  elseif index(['window/workDoneProgress/create', 'client/registerCapability',
        \ 'client/unregisterCapability'], method) >= 0
    let answer.result = v:null
  elseif method ==# 'window/showMessageRequest'
    call lspshare#message(get(params, 'message', ''), 'info')
    let answer.result = v:null
  elseif method ==# 'workspace/applyEdit'
    let answer.result = {'applied': v:false, 'failureReason': 'lspshare.vim does not apply edits'}
  else
    let answer.error = {'code': -32601, 'message': 'lspshare.vim does not handle ' . method}
  endif
  call s:respond(server, answer)
endfunction

" s:respond sends the answer to a server request. It frames the message
" itself: ch_sendexpr() refuses the string ids that lspshare uses for its
" own requests.
function! s:respond(server, answer) abort
  let body = json_encode(extend({'jsonrpc': '2.0'}, a:answer))
  call ch_sendraw(a:server.job, 'Content-Length: ' . len(body) . "\r\n\r\n" . body)
endfunction

function! s:on_notification(msg) abort
  let params = get(a:msg, 'params', {})
  if a:msg.method ==# '$/lspshare/state'
    call lspshare#on_state(params)
  elseif a:msg.method ==# '$/lspshare/cursor'
    call lspshare#cursor#show(params)
  elseif a:msg.method ==# '$/lspshare/notes'
    call lspshare#notes#show(params)
  elseif a:msg.method ==# 'window/showMessage'
    let type = get(params, 'type', 4)
    let text = get(params, 'message', '')
    if type <= 2 || text =~# '^lspshare'
      call lspshare#message(text, get({1: 'error', 2: 'warning'}, type, 'info'))
    else
      " gopls's progress notes: kept in :messages, not shown, so that they
      " never leave Vim at a hit-enter prompt.
      silent echomsg text
    endif
  endif
endfunction

" s:show_document follows window/showDocument. Without takeFocus it only
" moves a window already showing the file.
function! s:show_document(params) abort
  if get(a:params, 'external', v:false) is v:true
    return 0
  endif
  let start = get(get(a:params, 'selection', {}), 'start', {'line': 0, 'character': 0})
  if get(a:params, 'takeFocus', v:true) is v:false
    let win = bufwinid(lspshare#uri_to_file(get(a:params, 'uri', '')))
    if win != -1
      call win_execute(win, 'call cursor(' . (start.line + 1) . ', 1)')
    endif
    return 1
  endif
  if !s:go(get(a:params, 'uri', ''), start)
    return 0
  endif
  let s:landed = [expand('%:p'), line('.'), col('.')]
  return 1
endfunction

" lspshare#channel#execute sends workspace/executeCommand to every running
" proxy if all is true, else to one: the current buffer's, or any; it
" reports whether there was one.
function! lspshare#channel#execute(command, arguments, all) abort
  let servers = filter(values(s:servers), 'job_status(v:val.job) ==# "run"')
  if !a:all
    let mine = s:server_of(bufnr('%'))
    let servers = empty(mine) ? servers[:0] : [mine]
  endif
  for server in servers
    call s:request(server, 'workspace/executeCommand',
          \ {'command': a:command, 'arguments': a:arguments},
          \ function('s:on_command', [a:command]))
  endfor
  return !empty(servers)
endfunction

" lspshare#channel#note pins a note (a question if question is true) to a
" range of a buffer, given in bytes, through the buffer's proxy; it reports
" whether the buffer has one.
function! lspshare#channel#note(bufnr, bytes, text, question) abort
  let server = s:server_of(a:bufnr)
  if empty(server)
    return 0
  endif
  call s:sync(a:bufnr)
  let range = {}
  for end in ['start', 'end']
    let at = a:bytes[end]
    let range[end] = {'line': at.line,
          \ 'character': lspshare#byte_to_utf16(get(getbufline(a:bufnr, at.line + 1), 0, ''), at.col)}
  endfor
  return s:request(server, 'workspace/executeCommand', {'command': 'lspshare.note', 'arguments': [{
        \ 'uri': s:uri(a:bufnr), 'range': range, 'text': a:text, 'question': a:question}]},
        \ function('s:on_command', ['lspshare.note']))
endfunction

function! s:on_command(command, channel, msg) abort
  let error = has_key(a:msg, 'error') ? get(a:msg.error, 'message', 'failed') : ''
  call lspshare#on_answer(a:command, error, get(a:msg, 'result', v:null))
endfunction

" lspshare#channel#send_cursor tells the proxy where the cursor is.
function! lspshare#channel#send_cursor() abort
  let server = s:server_of(bufnr('%'))
  if empty(server) || !server.ready
    return
  endif
  let here = [expand('%:p'), line('.'), col('.')]
  if here == s:landed
    return
  endif
  let s:landed = []
  call ch_sendexpr(server.job, {'method': '$/lspshare/cursor', 'params': {
        \ 'uri': s:uri(bufnr('%')), 'position': s:position()}})
endfunction

function! s:on_stderr(channel, line) abort
  " The proxy logs to stderr; keep the last lines for :LspShareStatus-less debugging.
  call add(s:stderr, a:line)
  if len(s:stderr) > 100
    call remove(s:stderr, 0)
  endif
endfunction
let s:stderr = []

" lspshare#channel#log is the proxy's recent stderr, for bug reports.
function! lspshare#channel#log() abort
  return copy(s:stderr)
endfunction

function! s:on_exit(root, job, status) abort
  if get(get(s:servers, a:root, {}), 'job', v:null) is a:job
    call remove(s:servers, a:root)
  endif
  call lspshare#notes#show({'notes': []}) " they were this proxy's session's
  if a:status != 0
    call lspshare#message(printf('lspshare: lspshare lsp exited with status %d: %s', a:status, join(s:stderr[-3:], ' | ')), 'error')
  endif
  for bufnr in range(1, bufnr('$'))
    if getbufvar(bufnr, 'lspshare_root', '') ==# a:root
      call setbufvar(bufnr, 'lspshare_root', '')
    endif
  endfor
endfunction
