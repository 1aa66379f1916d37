-- What both Neovim drivers share: the JSON result they write to REDZONE_RESULT, and the steps
-- that end the run (`cq`, non-zero) at the first failure.
local M = { result = { steps = {} } }

function M.finish(ok)
  M.result.ok = ok
  local handle = io.open(os.getenv('REDZONE_RESULT'), 'w')
  handle:write(vim.fn.json_encode(M.result))
  handle:close()
  vim.cmd(ok and 'qa!' or 'cq')
end

function M.step(name, ok, detail)
  table.insert(M.result.steps, { name = name, ok = ok, detail = detail })
  if not ok then M.finish(false) end
  return ok
end

return M
