" lspshare.vim: follow a code-reading group's navigator from Vim 9 or Neovim.
" Commands and autocommands only; the work is in autoload/ (Vim) and lua/ (Neovim).
if exists('g:loaded_lspshare')
  finish
endif
if !has('nvim-0.7') && (v:version < 900 || !has('channel') || !has('job'))
  echomsg 'lspshare: needs Vim 9.0 with +channel and +job, or Neovim 0.7 or later'
  finish
endif
let g:loaded_lspshare = 1

command! -nargs=1 LspShareJoin     call lspshare#join(<q-args>)
command! -nargs=0 LspShareLeave    call lspshare#execute('lspshare.leave', [])
command! -nargs=0 LspShareFollow   call lspshare#execute('lspshare.follow', [])
command! -nargs=0 LspShareUnfollow call lspshare#execute('lspshare.unfollow', [])
command! -nargs=? -complete=custom,lspshare#complete_names LspShareJump
      \ call lspshare#execute('lspshare.jump', empty(<q-args>) ? [] : [<q-args>])
command! -nargs=0 LspShareDrive    call lspshare#execute('lspshare.drive', [])
command! -nargs=1 -complete=custom,lspshare#complete_names LspSharePass
      \ call lspshare#execute('lspshare.pass', [<q-args>])
command! -nargs=0 LspShareStatus   call lspshare#execute('lspshare.status', [])
command! -nargs=? -complete=custom,lspshare#complete_names LspShareHand
      \ call lspshare#execute('lspshare.hand', empty(<q-args>) ? [] : [<q-args>])
command! -nargs=0 LspShareSummon   call lspshare#execute('lspshare.summon', [])
command! -nargs=1 -range LspShareAsk  call lspshare#notes#post(1, <q-args>, <range>, <line1>, <line2>)
command! -nargs=1 -range LspShareNote call lspshare#notes#post(0, <q-args>, <range>, <line1>, <line2>)
command! -nargs=1 -complete=custom,lspshare#notes#complete_ids LspShareReply
      \ call lspshare#notes#reply(<q-args>)
command! -nargs=1 -complete=custom,lspshare#notes#complete_ids LspShareResolve
      \ call lspshare#notes#resolve(<q-args>)
command! -nargs=0 LspShareNotes    call lspshare#notes#quickfix()

highlight default link LspShareCursor Search
highlight default link LspShareQuestion Todo
highlight default link LspShareNote Comment

augroup lspshare
  autocmd!
  " A vimrc without "filetype on" leaves Go files without a filetype: name
  " them, so that following works with nothing but the lines of the README.
  autocmd BufNewFile,BufRead *.go if &filetype ==# '' | setfiletype go | endif
  autocmd FileType * if get(g:, 'lspshare_autostart', 1) && index(lspshare#filetypes(), &filetype) >= 0
        \ | call lspshare#attach(str2nr(expand('<abuf>'))) | endif
  autocmd CursorMoved * call lspshare#cursor_moved()
  autocmd BufWinEnter * call lspshare#render_cursors(str2nr(expand('<abuf>')))
        \ | call lspshare#notes#render_buffer(str2nr(expand('<abuf>')))
augroup END
