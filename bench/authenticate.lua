-- wrk script: POST /session/authenticate, each thread walking its own share of the fresh
-- sessions prepared by prepare.mjs (one "session_id account_id" per line of $SESSIONS).
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

function init(args)
  pool = {}
  for line in io.lines(os.getenv("SESSIONS")) do
    local sid, account = line:match("^(%S+) (%S+)$")
    pool[#pool + 1] = '{"session_id":"' .. sid .. '","account":{"id":"' .. account .. '"}}'
  end
  step = tonumber(os.getenv("THREADS") or "2")
  i = id + 1
  wrk.method = "POST"
  wrk.path = "/session/authenticate"
  wrk.headers["content-type"] = "application/json"
  wrk.headers["x-api-key"] = "sk_dev_demo_5f2c0a9e1b7d4c3a"
end

function request()
  local body = pool[i]
  i = i + step
  if i > #pool then i = id + 1 end -- wrapped: later requests re-authenticate
  return wrk.format(nil, nil, nil, body)
end
