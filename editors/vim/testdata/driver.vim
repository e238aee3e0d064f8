" Test driver for Vim and Neovim: runs the scripts a Go test drops into
" $LSPSHARE_TEST_DIR/in/N.vim, in order, and writes what each left in g:out
" (JSON) or the error it raised to $LSPSHARE_TEST_DIR/out/N.json.
let s:dir = $LSPSHARE_TEST_DIR
let s:next = 1

function! s:poll(timer) abort
  let script = s:dir . '/in/' . s:next . '.vim'
  if !filereadable(script)
    return
  endif
  let g:out = v:null
  try
    execute 'source' fnameescape(script)
    let result = {'out': g:out}
  catch
    let result = {'error': v:exception . ' at ' . v:throwpoint}
  endtry
  redrawstatus! | redraw " what a script changed shows on the screen, as after typed keys
  call writefile([json_encode(result)], s:dir . '/out/' . s:next . '.tmp')
  call rename(s:dir . '/out/' . s:next . '.tmp', s:dir . '/out/' . s:next . '.json')
  let s:next += 1
endfunction

call timer_start(20, function('s:poll'), {'repeat': -1})
