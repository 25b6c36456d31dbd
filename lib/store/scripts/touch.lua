-- Reads sessions and, when asked, slides their idle expiry: the whole authenticated request in one round trip, and
-- the requests that arrive in one event-loop turn share it (TouchBatcher).
-- KEYS: for each session, its hash key then its shadow key
-- ARGV[1] shadow grace ms, then for each session '1' to slide its expiry and record last-seen, '0' to only read
-- Returns one entry per session: false when it does not exist, else {now ms, expiry ms, fields}; fields are the
-- hash's fields and values joined with \31 (one bulk string parses far cheaper than a list of them; the library never
-- stores \31: JSON escapes it, and user ids and devices are checked). A forwarding stub left by a token rotation:
-- {now, 0, 'f\31<new token hash>'} (the caller follows it).
-- Atomic per session, so a session destroyed by a concurrent logout is never re-extended or resurrected.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local grace = tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS / 2 do
  local key, shadow = KEYS[2 * i - 1], KEYS[2 * i]
  local fields = redis.call('HGETALL', key)
  if #fields == 0 then
    out[i] = false
  elseif fields[1] == 'f' then
    out[i] = { now, 0, table.concat(fields, '\31') }
  else
    local expires
    if ARGV[i + 1] == '1' then
      local idle, absolute
      for j = 1, #fields, 2 do
        local f = fields[j]
        if f == 'i' then idle = tonumber(fields[j + 1]) elseif f == 'a' then absolute = tonumber(fields[j + 1]) end
      end
      -- Never past the absolute deadline, however active the session is.
      expires = math.min(now + idle, absolute)
      redis.call('HSET', key, 'l', now)
      redis.call('PEXPIREAT', key, expires)
      if grace > 0 then redis.call('PEXPIREAT', shadow, expires + grace) end
    else
      expires = now + redis.call('PTTL', key)
    end
    out[i] = { now, expires, table.concat(fields, '\31') }
  end
end
return out
