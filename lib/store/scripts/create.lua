#!lua
-- Creates a session and registers it in its user's index, atomically (both keys share a hash slot).
-- No allow-oom flag: when Redis is out of memory (noeviction) it refuses the whole script before it runs, so a
-- login answers 503 and nothing is half-written.
-- KEYS[1] session hash   KEYS[2] user index (hash: session part -> absolute deadline, '@' -> user id)
-- ARGV[1] session part (the index field)  ARGV[2] user digest  ARGV[3] user id  ARGV[4] device
-- ARGV[5] idle ms  ARGV[6] lifetime ms  ARGV[7] verifier hash  ARGV[8] events channel ('' = do not publish)
-- ARGV[9] instance id  ARGV[10] data bytes  ARGV[11] max sessions per user (0 = unlimited)
-- ARGV[12] 'refuse' or 'evict' at the limit
-- ARGV[13] not-after, Redis time in ms (0 = none): a call that reaches Redis after the app gave up on it (its
--          command timeout) does nothing, so a login that answered 503 never creates a session later
-- ARGV[14] session part of this user's session the login replaces (the request's cookie named it: fixation), or ''
-- ARGV[15] the verifier hash that cookie presented: the session ends only while it still opens it (a regenerate in
--          between gave it a token this browser does not hold)
-- ARGV[16..] field/value pairs: optional metadata (b binding hash, r remembered) and data fields (JSON values)
-- Returns {now, idle deadline, absolute deadline}; {-1, live sessions} refused at the limit; {-2, now} too late;
-- {-3} the selector is taken (the caller draws another).
-- Server time (TIME) is used so that every app instance agrees on deadlines whatever their clocks say.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local notAfter = tonumber(ARGV[13])
if notAfter > 0 and now > notAfter then return { -2, now } end
if redis.call('EXISTS', KEYS[1]) == 1 then return { -3 } end

local part, digest, userId, channel, instance = ARGV[1], ARGV[2], ARGV[3], ARGV[8], ARGV[9]
local idle = tonumber(ARGV[5])
local absolute = now + tonumber(ARGV[6])
local expires = math.min(now + idle, absolute)
-- The user's other sessions: the same key with another session part (same `{tag}`, so the same slot).
local base = string.sub(KEYS[1], 1, #KEYS[1] - #part)
local function publish(event)
  if channel ~= '' then redis.call('PUBLISH', channel, cjson.encode(event)) end
end
local function idOf(p) return string.sub(redis.sha1hex('h:' .. digest .. p), 1, 16) end

-- The session the login replaces ends first, in this same script: a concurrent login cannot take its place at the
-- limit between the two.
local replaced = ARGV[14]
local function opens(key, presented)
  local f = redis.call('HMGET', key, 'v', 'p', 'g')
  return f[1] == presented or (f[2] == presented and f[3] and now < tonumber(f[3]))
end
if replaced ~= '' and opens(base .. replaced, ARGV[15]) and redis.call('DEL', base .. replaced) == 1 then
  redis.call('HDEL', KEYS[2], replaced)
  publish({ type = 'invalidated', reason = 'login', id = idOf(replaced), userId = userId, at = now, instance = instance })
end

-- Live sessions of the user, oldest first; entries whose session is gone are reported as expired (nobody else
-- may have: keyspace notifications off or missed) and removed.
local live = {}
local latest = absolute
local index = redis.call('HGETALL', KEYS[2])
for i = 1, #index, 2 do
  local other = index[i]
  if other ~= '@' then
    local deadline = tonumber(index[i + 1])
    local created = redis.call('HGET', base .. other, 'c')
    if created then
      live[#live + 1] = { part = other, created = tonumber(created) }
      if deadline > latest then latest = deadline end
    else
      redis.call('HDEL', KEYS[2], other)
      publish({ type = 'expired', id = idOf(other), userId = userId, at = now, instance = 'redis',
        cause = (now >= deadline - 1000) and 'absolute' or 'idle', detectedBy = 'cleanup' })
    end
  end
end

local max = tonumber(ARGV[11])
if max > 0 and #live >= max then
  if ARGV[12] == 'refuse' then return { -1, #live } end
  -- The earliest-created sessions end (not the earliest deadline: a remembered session is not younger).
  table.sort(live, function(a, b) return a.created < b.created end)
  for i = 1, #live - max + 1 do
    redis.call('DEL', base .. live[i].part)
    redis.call('HDEL', KEYS[2], live[i].part)
    publish({ type = 'invalidated', reason = 'max-sessions', id = idOf(live[i].part), userId = userId, at = now,
      instance = instance })
  end
end

redis.call('HSET', KEYS[1], 'v', ARGV[7], 'd', ARGV[4], 'c', now, 'l', now, 'a', absolute, 'i', idle)
if tonumber(ARGV[10]) > 0 then redis.call('HSET', KEYS[1], 'z', ARGV[10]) end
for i = 16, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIREAT', KEYS[1], expires)

-- The index outlives its longest session by a minute, so an expiry report can still name the user.
redis.call('HSET', KEYS[2], part, absolute, '@', userId)
redis.call('PEXPIREAT', KEYS[2], latest + 60000)

publish({ type = 'created', id = idOf(part), userId = userId, at = now, instance = instance })
return { now, expires, absolute }
