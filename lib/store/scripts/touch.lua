#!lua flags=allow-oom
-- Authenticates sessions and, when asked, slides their idle expiry: the whole authenticated request in one round
-- trip, and the requests that arrive in one event-loop turn share it (TouchBatcher).
-- allow-oom: a full Redis (noeviction) still serves the sessions it holds; a slide rewrites fields in place.
-- KEYS: for each session, its hash key then its user's index
-- ARGV: for each session, its index field, the hash of the verifier the request presented ('' for a session the app
--       already holds, e.g. on an open WebSocket: no token to check), and '1' to slide its expiry and record
--       last-seen or '0' to only read
-- Returns one entry per session: false when it does not exist, is not in its user's index, or the verifier is
-- neither the current one nor the previous one within its grace deadline; else {now ms, expiry ms, packed}, where
-- packed is the user id then the hash's fields and values, joined with \31 (one bulk string parses far cheaper than a
-- list; the library never stores \31: JSON escapes it, and user ids and devices are checked).
-- Fields are found by name, never by position: a hash past the listpack limits has no field order.
-- Atomic per session, so a session destroyed by a concurrent logout is never re-extended or resurrected.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

-- Verifier hashes are compared with ==, which in Redis's Lua (5.1, every string interned) compares two pointers:
-- its time does not depend on how much of a stored hash matches. (Nor could the caller steer it: it chooses the
-- verifier, not its SHA-256.) A byte-by-byte XOR loop cost ~5 us of Redis CPU per request for nothing more.
local out = {}
for i = 1, #KEYS / 2 do
  local key, index = KEYS[2 * i - 1], KEYS[2 * i]
  local part, presented, slide = ARGV[3 * i - 2], ARGV[3 * i - 1], ARGV[3 * i]
  local fields = redis.call('HGETALL', key)
  out[i] = false
  if #fields > 0 then
    local v, p, g, idle, absolute
    for j = 1, #fields, 2 do
      local f = fields[j]
      if f == 'v' then v = fields[j + 1]
      elseif f == 'p' then p = fields[j + 1]
      elseif f == 'g' then g = tonumber(fields[j + 1])
      elseif f == 'i' then idle = tonumber(fields[j + 1])
      elseif f == 'a' then absolute = tonumber(fields[j + 1]) end
    end
    local owner = redis.call('HMGET', index, '@', part)
    local accepted = presented == '' or v == presented or (g ~= nil and now < g and p == presented)
    if owner[1] and owner[2] and accepted then
      local expires
      if slide == '1' then
        -- Never past the absolute deadline, however active the session is.
        expires = math.min(now + idle, absolute)
        redis.call('HSET', key, 'l', now)
        if g ~= nil and now >= g then redis.call('HDEL', key, 'p', 'g') end
        redis.call('PEXPIREAT', key, expires)
      else
        expires = now + redis.call('PTTL', key)
      end
      out[i] = { now, expires, owner[1] .. '\31' .. table.concat(fields, '\31') }
    end
  end
end
return out
