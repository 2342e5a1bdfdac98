-- POST one line of a file per request; wrk thread k of n sends lines k, k+n, k+2n, ... so that no
-- two requests of a run carry the same applicant. Arguments: PATH FILE THREADS.
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  path = args[1]
  local n = tonumber(args[3])
  bodies = {}
  local i = 0
  for line in io.lines(args[2]) do
    if i % n == id then bodies[#bodies + 1] = line end
    i = i + 1
  end
  nxt = 1
  headers = { ["Content-Type"] = "application/json" }
end

function request()
  local body = bodies[nxt]
  nxt = nxt + 1
  if nxt > #bodies then nxt = 1 end
  return wrk.format("POST", path, headers, body)
end
