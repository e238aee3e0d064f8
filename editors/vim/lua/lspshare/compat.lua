-- The few places where Neovim's LSP API changed between 0.7 (Debian 12's
-- Neovim, the oldest the plugin supports) and the current release. Each
-- shim is named for what the plugin does with it and calls the current API
-- where it exists, the old one only where it does not, so that the newest
-- Neovim warns about nothing (a test runs :checkhealth vim.deprecated).
local M = {}

local function has(version)
  return vim.fn.has('nvim-' .. version) == 1
end

-- From 0.11 a client's methods are called with a colon; before, they are
-- closures called with a dot.
local colon_methods = has('0.11')

--- start_client starts a new client for config and attaches bufnr to it;
--- it returns the client's id, or nil.
function M.start_client(config, bufnr)
  local id
  if vim.lsp.start then -- 0.8
    -- The plugin decides itself which proxy a buffer belongs to.
    id = vim.lsp.start(config, { bufnr = bufnr, reuse_client = function() return false end })
  else
    id = vim.lsp.start_client(config)
  end
  if id then
    -- Older vim.lsp.start attaches the current buffer, whatever opts.bufnr
    -- says, and bufnr may be another one (attaching twice is harmless).
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

--- clients returns the running clients, or those attached to bufnr.
function M.clients(bufnr)
  if vim.lsp.get_clients then -- 0.10
    return vim.lsp.get_clients({ bufnr = bufnr })
  end
  return vim.tbl_filter(function(client)
    return bufnr == nil or vim.lsp.buf_is_attached(bufnr, client.id)
  end, vim.lsp.get_active_clients())
end

function M.is_stopped(client)
  if colon_methods then
    return client:is_stopped()
  end
  return client.is_stopped()
end

function M.request(client, method, params, handler)
  if colon_methods then
    return client:request(method, params, handler)
  end
  return client.request(method, params, handler)
end

function M.notify(client, method, params)
  if colon_methods then
    return client:notify(method, params)
  end
  return client.notify(method, params)
end

--- jump opens a Location in the current window, keeping the jump list,
--- and reports whether it went there.
function M.jump(location, encoding)
  if vim.lsp.util.show_document then -- 0.10
    return vim.lsp.util.show_document(location, encoding, { focus = true })
  end
  return vim.lsp.util.jump_to_location(location, encoding)
end

--- byte_column is the byte index on line of an LSP character offset, cut
--- to the line's length.
function M.byte_column(line, character, encoding)
  if has('0.11') then
    return vim.str_byteindex(line, encoding, character, false)
  end
  if encoding == 'utf-8' then
    return math.min(character, #line)
  end
  local ok, col = pcall(vim.str_byteindex, line, character, encoding == 'utf-16')
  return ok and col or #line
end

return M
