-- Drives Debian's Neovim 0.7 after the README's Neovim 0.7 block has run (neovim.test.ts loads it
-- first, with only the server path replaced): opening an assembly file must attach it to the
-- README's client, whose `init_options` tag it as kernel code, and show the diagnostics; a
-- `workspace/didChangeConfiguration` that empties kernelFiles must take them away.
-- Inputs: REDZONE_FILE (the .S file), REDZONE_RESULT (where to write the JSON result).
local file = os.getenv('REDZONE_FILE')
-- The shared result and steps, from the file beside this one.
local here = debug.getinfo(1, 'S').source:sub(2):match('(.*/)')
local run = dofile(here .. 'neovim-result.lua')
local result, finish, step = run.result, run.finish, run.step

vim.cmd('edit ' .. vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()
result.filetype = vim.bo[buf].filetype
local function ours()
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do if d.source == 'redzone' then table.insert(found, d) end end
  return found
end
if not step('diagnostics', vim.wait(20000, function() return #ours() > 0 end, 20)) then return end
local codes = {}
for _, d in ipairs(ours()) do
  table.insert(codes, d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code))
end
result.codes = codes

local client = nil
for _, candidate in pairs(vim.lsp.get_active_clients()) do if candidate.name == 'redzone' then client = candidate end end
if not step('client', client ~= nil) then return end
result.clients = #vim.lsp.get_active_clients()

local first = ours()[1]
local hover = vim.lsp.buf_request_sync(buf, 'textDocument/hover', {
  textDocument = { uri = vim.uri_from_bufnr(buf) },
  position = { line = first.lnum, character = first.col },
}, 10000)
local hover_text = ''
for _, response in pairs(hover or {}) do
  if response.result and response.result.contents then hover_text = response.result.contents.value or '' end
end
result.hover = hover_text

-- The README's way to change settings while the server runs.
client.notify('workspace/didChangeConfiguration', { settings = { redzone = { kernelFiles = {} } } })
local cleared = vim.wait(20000, function() return #ours() == 0 end, 20)
result.after_change = #ours()
if not step('settings pushed', cleared) then return end
finish(true)
