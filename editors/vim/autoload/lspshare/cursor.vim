" Other participants' cursors ($/lspshare/cursor), drawn as the participant's
" name after the end of their line: an extmark in Neovim, a virtual-text
" property in Vim (a sign with the name's first letters in a Vim without
" virtual text).

" name -> {'file': absolute path, 'line': 0-based, 'wheel': bool, 'mark': how it is drawn}
let s:cursors = {}

let s:virtual_text = lspshare#virtual_text()
if has('nvim')
  let s:ns = nvim_create_namespace('lspshare_cursor')
elseif s:virtual_text
  if empty(prop_type_get('lspshare_cursor'))
    call prop_type_add('lspshare_cursor', {'highlight': 'LspShareCursor'})
  endif
endif

" lspshare#cursor#show takes the params of a $/lspshare/cursor notification.
function! lspshare#cursor#show(params) abort
  let name = get(a:params, 'name', '')
  if empty(name)
    return
  endif
  call s:erase(name)
  let range = get(a:params, 'range', v:null)
  let file = lspshare#uri_to_file(get(a:params, 'uri', ''))
  if type(range) != v:t_dict || empty(file)
    if has_key(s:cursors, name)
      call remove(s:cursors, name)
    endif
    return
  endif
  let s:cursors[name] = {'file': resolve(file), 'line': range.start.line,
        \ 'wheel': get(a:params, 'wheel', v:false) is v:true, 'mark': {}}
  call s:draw(name)
  if !has('nvim')
    redraw " Vim does not redraw for a text property added by a callback
  endif
endfunction

" lspshare#cursor#at is the cursor of a participant as [file, 1-based line],
" or [] if unknown.
function! lspshare#cursor#at(name) abort
  let c = get(s:cursors, a:name, {})
  return empty(c) ? [] : [c.file, c.line + 1]
endfunction

" lspshare#cursor#forget_except drops the cursors of participants who left.
function! lspshare#cursor#forget_except(names) abort
  for name in keys(s:cursors)
    if index(a:names, name) < 0
      call s:erase(name)
      call remove(s:cursors, name)
    endif
  endfor
endfunction

" lspshare#cursor#render_buffer draws the cursors that fall in a buffer just
" loaded into a window.
function! lspshare#cursor#render_buffer(bufnr) abort
  for name in keys(s:cursors)
    if empty(s:cursors[name].mark)
      call s:draw(name)
    endif
  endfor
endfunction

function! s:draw(name) abort
  let c = s:cursors[a:name]
  let bufnr = lspshare#loaded_buffer(c.file)
  if bufnr < 0 || c.line >= len(getbufline(bufnr, 1, '$'))
    return
  endif
  let text = '  ◀ ' . a:name . (c.wheel ? ' (navigating)' : '')
  if has('nvim')
    let id = nvim_buf_set_extmark(bufnr, s:ns, c.line, 0,
          \ {'virt_text': [[text, 'LspShareCursor']], 'virt_text_pos': 'eol'})
  elseif s:virtual_text
    let id = prop_add(c.line + 1, 0, {'type': 'lspshare_cursor', 'bufnr': bufnr,
          \ 'text': text, 'text_align': 'after', 'text_padding_left': 1})
  else
    let sign = 'LspShareCursor_' . substitute(a:name, '[^A-Za-z0-9_]', '_', 'g')
    call sign_define(sign, {'text': strcharpart(a:name, 0, 2), 'texthl': 'LspShareCursor'})
    let id = sign_place(0, 'lspshare', sign, bufnr, {'lnum': c.line + 1})
  endif
  let c.mark = {'bufnr': bufnr, 'id': id}
endfunction

function! s:erase(name) abort
  let mark = get(get(s:cursors, a:name, {}), 'mark', {})
  if empty(mark) || !bufexists(mark.bufnr)
    return
  endif
  if has('nvim')
    call nvim_buf_del_extmark(mark.bufnr, s:ns, mark.id)
  elseif s:virtual_text
    call prop_remove({'type': 'lspshare_cursor', 'id': mark.id, 'bufnr': mark.bufnr, 'both': 1})
  else
    call sign_unplace('lspshare', {'buffer': mark.bufnr, 'id': mark.id})
  endif
  let s:cursors[a:name].mark = {}
endfunction

