-- wrk script: POST /session/authenticate, cycling through the sessions prepared by load.sh
-- (one "session_id account_id" per line of $SESSIONS).
local pool = {}
for line in io.lines(os.getenv("SESSIONS")) do
  local sid, account = line:match("^(%S+) (%S+)$")
  pool[#pool + 1] = '{"session_id":"' .. sid .. '","account":{"id":"' .. account .. '"}}'
end
local i = math.random(#pool)

wrk.method = "POST"
wrk.path = "/session/authenticate"
wrk.headers["content-type"] = "application/json"
wrk.headers["x-api-key"] = os.getenv("SECRET") or "sk_dev_demo_5f2c0a9e1b7d4c3a"

request = function()
  i = i % #pool + 1
  return wrk.format(nil, nil, nil, pool[i])
end
