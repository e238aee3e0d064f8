-- lspshare for Neovim's built-in LSP client: starts `lspshare lsp` for Go
-- buffers (or wraps an existing gopls set-up), follows window/showDocument,
-- hands $/lspshare/state, $/lspshare/cursor and $/lspshare/notes to the
-- common Vim script code, reports the cursor back with $/lspshare/cursor,
-- and posts notes at buffer ranges.
local M = {}

local api = vim.api
local compat = require('lspshare.compat')

-- Proxies this module started, by workspace root: root -> client id.
local started = {}

-- Where the last followed jump put the cursor, so that landing there is
-- not reported back as a move of the user's own.
local landed = nil

-- is_lspshare reports whether a client talks to an lspshare proxy: the
-- proxy adds its commands to the server's executeCommandProvider.
local function is_lspshare(client)
  local provider = (client.server_capabilities or {}).executeCommandProvider
  if type(provider) ~= 'table' or type(provider.commands) ~= 'table' then
    return false
  end
  return vim.tbl_contains(provider.commands, 'lspshare.status')
end

local function proxies(bufnr)
  return vim.tbl_filter(is_lspshare, compat.clients(bufnr))
end

-- live returns the client of an id if it is running.
local function live(id)
  local client = id and vim.lsp.get_client_by_id(id)
  if client and not compat.is_stopped(client) then
    return client
  end
end

--- capabilities returns client capabilities (by default Neovim's own) that
--- advertise window/showDocument support, so that the proxy sends it.
function M.capabilities(base)
  base = base or vim.lsp.protocol.make_client_capabilities()
  return vim.tbl_deep_extend('force', base, { window = { showDocument = { support = true } } })
end

--- command returns the command that starts the proxy, as a list of
--- arguments. Given the command of an existing gopls set-up, it keeps that
--- server and its arguments behind the proxy.
function M.command(server_cmd)
  local cmd = vim.fn['lspshare#command']()
  if server_cmd and #server_cmd > 0 then
    if server_cmd[1] ~= 'gopls' then
      vim.list_extend(cmd, { '--server', server_cmd[1] })
    end
    vim.list_extend(cmd, vim.list_slice(server_cmd, 2))
  end
  return cmd
end

--- env returns the environment the proxy needs on top of the editor's:
--- the join link travels there, never in the arguments, which every local
--- user can read.
function M.env()
  return vim.fn['lspshare#env']()
end

--- wrap turns a gopls client configuration (for vim.lsp.config('gopls', …)
--- on Neovim 0.11+, or nvim-lspconfig's gopls.setup{} before) into one that
--- runs gopls behind lspshare, and stops this plugin from starting a proxy
--- of its own. It fills in what vim.lsp.enable needs when no
--- nvim-lspconfig provides it: the filetypes and root markers of gopls.
function M.wrap(config)
  config = vim.deepcopy(config or {})
  config.cmd = M.command(config.cmd or { 'gopls' })
  config.cmd_env = vim.tbl_extend('force', config.cmd_env or {}, M.env())
  config.capabilities = M.capabilities(config.capabilities)
  config.handlers = vim.tbl_extend('force', config.handlers or {}, M.handlers())
  config.filetypes = config.filetypes or { 'go', 'gomod', 'gowork', 'gotmpl' }
  config.root_markers = config.root_markers or { 'go.work', 'go.mod', '.git' }
  if vim.g.lspshare_autostart == nil then
    vim.g.lspshare_autostart = 0
  end
  return config
end

--- attach starts (or reuses) the proxy of a buffer's workspace and attaches
--- the buffer to it.
function M.attach(bufnr)
  local file = api.nvim_buf_get_name(bufnr)
  if file == '' or not file:match('^/') and vim.fn.filereadable(file) == 0 then
    return
  end
  local root = vim.fn['lspshare#root'](file)
  local id = started[root]
  if not id then
    -- A file outside every workspace (GOROOT, the module cache, a file
    -- brought from the navigator) belongs to the proxy that showed it: a
    -- second proxy would join the session a second time.
    for _, other in pairs(started) do
      if live(other) then
        id = other
      end
    end
  end
  if live(id) then
    vim.lsp.buf_attach_client(bufnr, id)
    return
  end
  id = compat.start_client({
    name = 'lspshare',
    cmd = M.command(),
    cmd_env = M.env(),
    root_dir = root,
    capabilities = M.capabilities(),
    handlers = M.handlers(),
    on_exit = function(code)
      vim.schedule(function()
        -- The notes were this proxy's session's.
        vim.fn['lspshare#notes#show']({ notes = {} })
        if code ~= 0 then
          vim.fn['lspshare#on_answer']('', 'lspshare lsp exited with status ' .. code, vim.NIL)
        end
      end)
    end,
  }, bufnr)
  started[root] = id
end

--- ready reports whether a proxy is running and initialized.
function M.ready()
  return #proxies() > 0
end

-- execute_on sends workspace/executeCommand to one proxy; the answer goes
-- to lspshare#on_answer.
local function execute_on(client, command, arguments)
  compat.request(client, 'workspace/executeCommand', { command = command, arguments = arguments },
    function(err, result)
      vim.fn['lspshare#on_answer'](command, err and err.message or '', result == nil and vim.NIL or result)
    end)
end

--- execute sends workspace/executeCommand to every proxy if all is true,
--- else to one (the current buffer's, else the first), and reports whether
--- there was one.
function M.execute(command, arguments, all)
  local clients = proxies()
  if not all then
    clients = { proxies(api.nvim_get_current_buf())[1] or clients[1] }
  end
  for _, client in ipairs(clients) do
    execute_on(client, command, arguments)
  end
  return #clients > 0
end

--- note pins a note (a question if question is true) to a range of bufnr,
--- given in bytes ({start = {line, col}, ['end'] = {line, col}}, 0-based),
--- through the buffer's proxy; it reports whether the buffer has one.
function M.note(bufnr, bytes, text, question)
  local client = proxies(bufnr)[1]
  if not client then
    return false
  end
  local function position(at)
    return { line = at.line, character = vim.lsp.util.character_offset(bufnr, at.line, at.col, client.offset_encoding) }
  end
  execute_on(client, 'lspshare.note', { {
    uri = vim.uri_from_bufnr(bufnr),
    range = { start = position(bytes.start), ['end'] = position(bytes['end']) },
    text = text,
    question = question,
  } })
  return true
end

--- byte_index is the byte index on line of a character offset of the
--- proxies' position encoding.
function M.byte_index(line, character)
  local client = proxies()[1]
  return compat.byte_column(line, character, client and client.offset_encoding or 'utf-16')
end

--- send_cursor tells the proxies of the current buffer where its cursor is.
function M.send_cursor()
  local bufnr = api.nvim_get_current_buf()
  local win = api.nvim_get_current_win()
  for _, client in ipairs(proxies(bufnr)) do
    local params = vim.lsp.util.make_position_params(win, client.offset_encoding)
    local here = { params.textDocument.uri, params.position.line, params.position.character }
    if not vim.deep_equal(here, landed) then
      landed = nil
      compat.notify(client, '$/lspshare/cursor', { uri = params.textDocument.uri, position = params.position })
    end
  end
end

-- show_document follows window/showDocument (LSP 3.16): Neovim 0.7 and 0.8
-- have no handler, and the plugin's own tells where it landed on every
-- version, so that landing there is not reported as a move of the user's.
local function show_document(_, params, ctx)
  if params.external then
    return { success = false }
  end
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  local encoding = client and client.offset_encoding or 'utf-16'
  local at = params.selection and params.selection.start or { line = 0, character = 0 }
  local location = { uri = params.uri, range = { start = at, ['end'] = at } }
  if params.takeFocus == false then
    -- Show it without moving the user: only where it is already displayed.
    local bufnr = vim.uri_to_bufnr(params.uri)
    vim.fn.bufload(bufnr)
    local win = vim.fn.bufwinid(bufnr)
    if win ~= -1 then
      local line = api.nvim_buf_get_lines(bufnr, at.line, at.line + 1, false)[1] or ''
      api.nvim_win_set_cursor(win, { at.line + 1, compat.byte_column(line, at.character, encoding) })
    end
    return { success = true }
  end
  local ok, went = pcall(compat.jump, location, encoding)
  if not ok or not went then
    vim.fn['lspshare#on_answer']('', 'cannot follow to ' .. params.uri .. (ok and '' or ': ' .. tostring(went)), vim.NIL)
    return { success = false }
  end
  landed = { params.uri, at.line, at.character }
  return { success = true }
end

local function on_state(_, params)
  vim.fn['lspshare#on_state'](params)
end

local function on_cursor(_, params)
  vim.fn['lspshare#cursor#show'](params)
end

local function on_notes(_, params)
  vim.fn['lspshare#notes#show'](params)
end

-- on_diagnostics hands the language server's diagnostics to Neovim without
-- the proxy's copies of the notes (source "lspshare"): the plugin draws the
-- notes itself, with their ids, and they would show twice.
local function on_diagnostics(err, params, ctx, config)
  if params and params.diagnostics then
    params = vim.tbl_extend('force', params, {
      diagnostics = vim.tbl_filter(function(d) return d.source ~= 'lspshare' end, params.diagnostics),
    })
  end
  return vim.lsp.handlers['textDocument/publishDiagnostics'](err, params, ctx, config)
end

--- handlers returns the handlers of a proxy's client: following, the
--- proxy's own notifications, and diagnostics without the notes. They go in the client's configuration, so
--- that other language servers keep Neovim's.
function M.handlers()
  return {
    ['window/showDocument'] = show_document,
    ['$/lspshare/state'] = on_state,
    ['$/lspshare/cursor'] = on_cursor,
    ['$/lspshare/notes'] = on_notes,
    ['textDocument/publishDiagnostics'] = on_diagnostics,
  }
end

return M
