-- Moves a session to a new token: same data and deadlines, old token dead. No RENAME (cluster proxies reject it).
-- KEYS[1] old hash  KEYS[2] old shadow  KEYS[3] new hash  KEYS[4] new shadow  KEYS[5] user index
-- ARGV[1] old token hash  ARGV[2] new token hash  ARGV[3] shadow grace ms  ARGV[4] events channel ('' = none)
-- ARGV[5] old handle  ARGV[6] new handle  ARGV[7] instance id
-- ARGV[8] rotation grace ms: 0 kills the old token at once; otherwise the old key becomes a forwarding stub
--         ({f = new token hash}) for that long, so requests already in flight with the old cookie still work
-- ARGV[9] event reason ('regenerated' or 'rotated')
-- Returns false when the old session is gone or was already moved (a stub), else {now ms, expiry ms}.
local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 or fields[1] == 'f' then return false end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local pttl = redis.call('PTTL', KEYS[1])
local absolute, userId
for i = 1, #fields, 2 do
  if fields[i] == 'a' then absolute = tonumber(fields[i + 1]) elseif fields[i] == 'u' then userId = fields[i + 1] end
end
redis.call('DEL', KEYS[3])
for i = 1, #fields, 2 do
  redis.call('HSET', KEYS[3], fields[i], fields[i + 1])
end
redis.call('HSET', KEYS[3], 'l', now, 't', now)
redis.call('PEXPIREAT', KEYS[3], now + pttl)
local grace = tonumber(ARGV[3])
if grace > 0 then
  redis.call('SET', KEYS[4], absolute .. '|' .. userId, 'PXAT', now + pttl + grace)
end
redis.call('DEL', KEYS[1], KEYS[2])
local forward = tonumber(ARGV[8])
if forward > 0 then
  redis.call('HSET', KEYS[1], 'f', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], math.min(forward, pttl))
  -- The stub's expiry must not look like a session expiring: its shadow says so.
  if grace > 0 then redis.call('SET', KEYS[2], 'moved', 'PX', forward + grace) end
end
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('ZADD', KEYS[5], absolute, ARGV[2])
if ARGV[4] ~= '' then
  redis.call('PUBLISH', ARGV[4], cjson.encode({ type = 'invalidated', reason = ARGV[9], id = ARGV[5],
    userId = userId, at = now, instance = ARGV[7] }))
  redis.call('PUBLISH', ARGV[4], cjson.encode({ type = 'created', id = ARGV[6], userId = userId, at = now,
    instance = ARGV[7] }))
end
return { now, now + pttl }
