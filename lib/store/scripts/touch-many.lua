-- touch.lua for several sessions at once: the requests that arrived in one event-loop turn share one round trip.
-- KEYS: for each session, its hash key then its shadow key
-- ARGV[1] shadow grace ms, then for each session '1' to slide its expiry or '0' to only read
-- Returns one entry per session, as touch.lua would: false, or {now ms, expiry ms, fields joined with \31}
-- (a forwarding stub left by a rotation: {now, 0, 'f\31<new token hash>'}).
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
