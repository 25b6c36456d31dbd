#!lua flags=allow-oom
-- Ends every session of one user but one (logout everywhere, or everywhere else), reading the user's index inside
-- the script: every session that exists when it runs ends, and a login that completes after it survives. One moment,
-- so a racing login is either before it (ended) or after it (kept), never ended by a later round.
-- allow-oom: ending sessions frees memory, and logout must work when Redis is full.
-- KEYS[1] user index
-- ARGV[1] session key of this user without its session part  ARGV[2] user digest  ARGV[3] events channel ('' = none)
-- ARGV[4] reason  ARGV[5] instance id  ARGV[6] session part to keep ('' = none)  ARGV[7] most sessions to end in
--         this call (Redis runs a script to completion: a user with more is ended over several calls)
-- Returns {ended, more}: how many sessions existed and were ended, and 1 when sessions are left for another call.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local base, digest, channel, keep = ARGV[1], ARGV[2], ARGV[3], ARGV[6]
local max = tonumber(ARGV[7])
local index = redis.call('HGETALL', KEYS[1])
local userId = nil
for i = 1, #index, 2 do
  if index[i] == '@' then userId = index[i + 1] end
end
local ended, seen = 0, 0
for i = 1, #index, 2 do
  local part, deadline = index[i], index[i + 1]
  if part ~= '@' and part ~= keep then
    if seen >= max then return { ended, 1 } end
    seen = seen + 1
    local id = string.sub(redis.sha1hex('h:' .. digest .. part), 1, 16)
    local event
    if redis.call('DEL', base .. part) == 1 then
      ended = ended + 1
      event = { type = 'invalidated', reason = ARGV[4], id = id, userId = userId, at = now, instance = ARGV[5] }
    else
      -- Already gone: an expiry nobody reported, reported now.
      event = { type = 'expired', id = id, userId = userId, at = now, instance = 'redis', detectedBy = 'cleanup',
        cause = (now >= tonumber(deadline) - 1000) and 'absolute' or 'idle' }
    end
    redis.call('HDEL', KEYS[1], part)
    if channel ~= '' then redis.call('PUBLISH', channel, cjson.encode(event)) end
  end
end
if redis.call('HLEN', KEYS[1]) <= 1 then redis.call('DEL', KEYS[1]) end
return { ended, 0 }
