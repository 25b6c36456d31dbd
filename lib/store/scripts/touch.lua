-- Reads a session and, when asked, slides its idle expiry: one round trip for the whole authenticated request.
-- KEYS[1] session hash   KEYS[2] shadow key
-- ARGV[1] '1' to slide the expiry and record last-seen, '0' to only read   ARGV[2] shadow grace ms
-- Returns false when the session does not exist, else {now ms, expiry ms, fields}; fields are the hash's fields and
-- values joined with \31 (one bulk string parses far cheaper than a list of them; the library never stores \31:
-- JSON escapes it, and user ids and devices are checked). For a forwarding stub left by a token rotation:
-- {now, 0, 'f\31<new token hash>'} (the caller follows it).
-- Atomic so that a session destroyed by a concurrent logout is never re-extended or resurrected.
local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 then return false end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if fields[1] == 'f' then return { now, 0, table.concat(fields, '\31') } end
local expires
if ARGV[1] == '1' then
  local idle, absolute
  for i = 1, #fields, 2 do
    local f = fields[i]
    if f == 'i' then idle = tonumber(fields[i + 1]) elseif f == 'a' then absolute = tonumber(fields[i + 1]) end
  end
  -- Never past the absolute deadline, however active the session is.
  expires = math.min(now + idle, absolute)
  redis.call('HSET', KEYS[1], 'l', now)
  redis.call('PEXPIREAT', KEYS[1], expires)
  local grace = tonumber(ARGV[2])
  if grace > 0 then redis.call('PEXPIREAT', KEYS[2], expires + grace) end
else
  expires = now + redis.call('PTTL', KEYS[1])
end
return { now, expires, table.concat(fields, '\31') }
