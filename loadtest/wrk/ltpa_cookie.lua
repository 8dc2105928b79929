-- ltpa_cookie.lua: wrk attaches LTPA cookies (one user each) to its requests.
--
-- Make a token file, one cookie value per line (blank lines and lines starting with # are
-- skipped), with the stgw CLI:
--
--   for i in $(seq 1 64); do
--     stgw token mint --keys ltpa.keys --password-file ltpa.password --user "loaduser$i" --ttl 2h
--   done > tokens.txt
--
-- Then give wrk the script and the file, either after "--" or in STGW_TOKEN_FILE:
--
--   wrk -t4 -c4 -d30s -s loadtest/wrk/ltpa_cookie.lua https://st.example.com/stwebapi/presence?user=x -- tokens.txt
--   STGW_TOKEN_FILE=tokens.txt wrk -t2 -c200 -d30s -s loadtest/wrk/ltpa_cookie.lua http://127.0.0.1:8080/
--
-- How cookies map to connections.  wrk 4 gives a script no handle on its connections, so:
--   STGW_COOKIE_MODE=thread (default): every wrk thread (-t) sends one token, thread N the Nth
--     line (wrapping around); with -c equal to -t that is one cookie per connection, like a
--     browser per user.  The request is built once per thread: no Lua on the request path, so
--     wrk's own speed is unchanged.
--   STGW_COOKIE_MODE=rotate: every request takes the thread's next token (threads start at
--     different lines), so many users reach the gateway at once even with few threads; wrk
--     then calls Lua per request and loses some speed.
-- STGW_COOKIE_NAME sets the cookie name (default LtpaToken2; LtpaToken for v1 or Domino tokens).
--
-- The tokens are secrets: the script never prints them, only how many it read.

local cookie_name = os.getenv("STGW_COOKIE_NAME") or "LtpaToken2"
local mode = os.getenv("STGW_COOKIE_MODE") or "thread"
if mode ~= "thread" and mode ~= "rotate" then
  error("STGW_COOKIE_MODE must be thread or rotate, not " .. mode)
end

-- setup() runs in wrk's main Lua state once per thread, before that thread's init().
local threads_made = 0
function setup(thread)
  threads_made = threads_made + 1
  thread:set("thread_number", threads_made)
end

local function read_tokens(path)
  local file, why = io.open(path, "r")
  if not file then
    error("ltpa_cookie.lua: cannot open the token file " .. path .. " (" .. tostring(why) .. ")")
  end
  local tokens = {}
  for line in file:lines() do
    local token = line:match("^%s*(.-)%s*$")
    if token ~= "" and token:sub(1, 1) ~= "#" then
      if token:find("[;,%s]") then
        error("ltpa_cookie.lua: " .. path .. " holds a line that is not a cookie value")
      end
      tokens[#tokens + 1] = token
    end
  end
  file:close()
  if #tokens == 0 then
    error("ltpa_cookie.lua: no tokens in " .. path)
  end
  return tokens
end

local tokens = {}
local next_token = 1

-- init() runs in each thread's own Lua state with the arguments after "--".
function init(args)
  local path = args[1] or os.getenv("STGW_TOKEN_FILE")
  if not path or path == "" then
    error("ltpa_cookie.lua: give the token file after -- or in STGW_TOKEN_FILE")
  end
  tokens = read_tokens(path)
  local number = thread_number or 1
  next_token = ((number - 1) % #tokens) + 1
  if number == 1 then
    io.stderr:write(string.format("ltpa_cookie.lua: %d tokens, mode %s, cookie %s\n",
                                  #tokens, mode, cookie_name))
  end
  if mode == "thread" then
    wrk.headers["Cookie"] = cookie_name .. "=" .. tokens[next_token]
  end
end

if mode == "rotate" then
  -- Defining request() makes wrk call it for every request.
  function request()
    -- wrk.headers keeps any -H headers; only the cookie changes.
    wrk.headers["Cookie"] = cookie_name .. "=" .. tokens[next_token]
    next_token = next_token % #tokens + 1
    return wrk.format()
  end
end
