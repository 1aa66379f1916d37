-- Drives Neovim 0.7+ as an independent LSP client of redzone-language-server.
-- Inputs come from the environment: REDZONE_SERVER (dist/server.js), REDZONE_FILE (an .s file),
-- REDZONE_RESULT (where neovim-result.lua writes the JSON result). Exits non-zero (cq) when a step fails.
local server = os.getenv('REDZONE_SERVER')
local file = os.getenv('REDZONE_FILE')
-- The shared result and steps, from the file beside this one.
local here = debug.getinfo(1, 'S').source:sub(2):match('(.*/)')
local run = dofile(here .. 'neovim-result.lua')
local result, finish, step = run.result, run.finish, run.step

local published = nil
local client_id = vim.lsp.start_client({
  name = 'redzone',
  cmd = { 'node', server, '--stdio' },
  root_dir = vim.fn.fnamemodify(file, ':h'),
  handlers = {
    ['textDocument/publishDiagnostics'] = function(err, params, ctx, config)
      if params and #params.diagnostics > 0 then published = params end
      return vim.lsp.handlers['textDocument/publishDiagnostics'](err, params, ctx, config)
    end,
  },
})
if not step('start', client_id ~= nil) then return end

vim.cmd('edit ' .. vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()
vim.lsp.buf_attach_client(buf, client_id)

local appeared = vim.wait(20000, function() return published ~= nil and #vim.diagnostic.get(buf) > 0 end, 20)
if not step('diagnostics', appeared) then return end
local codes = {}
for _, d in ipairs(published.diagnostics) do table.insert(codes, d.code) end
local shown = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  table.insert(shown, { lnum = d.lnum, source = d.source, code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) })
end
result.codes = codes
result.shown = shown

local first = published.diagnostics[1]
local line = first.range.start.line
local uri = vim.uri_from_bufnr(buf)
local hover = vim.lsp.buf_request_sync(buf, 'textDocument/hover', {
  textDocument = { uri = uri },
  position = { line = line, character = first.range.start.character },
}, 10000)
local hover_text = ''
for _, response in pairs(hover or {}) do
  if response.result and response.result.contents then hover_text = response.result.contents.value or '' end
end
result.hover = hover_text
if not step('hover', hover_text ~= '') then return end

local actions = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', {
  textDocument = { uri = uri },
  range = first.range,
  context = { diagnostics = { first } },
}, 10000)
local titles = {}
for _, response in pairs(actions or {}) do
  for _, action in ipairs(response.result or {}) do table.insert(titles, action.title) end
end
result.actions = titles
if not step('code actions', #titles > 0) then return end

local symbols = vim.lsp.buf_request_sync(buf, 'textDocument/documentSymbol', { textDocument = { uri = uri } }, 10000)
local names = {}
for _, response in pairs(symbols or {}) do
  for _, symbol in ipairs(response.result or {}) do table.insert(names, symbol.name) end
end
result.symbols = names

-- An edit (didChange): a redzone-ignore comment on the first finding's line. The diagnostics of
-- that line must go and the others stay, which shows the server re-analyzed the new text.
local before = #vim.diagnostic.get(buf)
local text = vim.api.nvim_buf_get_lines(buf, line, line + 1, false)[1]
vim.api.nvim_buf_set_lines(buf, line, line + 1, false, { text .. ' # redzone-ignore' })
local function on_line()
  local count = 0
  for _, d in ipairs(vim.diagnostic.get(buf)) do if d.lnum == line then count = count + 1 end end
  return count
end
local updated = vim.wait(20000, function()
  local now = #vim.diagnostic.get(buf)
  return on_line() == 0 and now > 0 and now < before
end, 20)
local after = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do table.insert(after, d.lnum) end
result.after_edit = after
if not step('diagnostics after an edit', updated, vim.fn.json_encode(after)) then return end

vim.lsp.stop_client(client_id)
finish(true)
