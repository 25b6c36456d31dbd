#!lua
-- Writes (or deletes) one data field of a session, only while the session exists and within the size limit.
-- No allow-oom flag: out of memory (noeviction), Redis refuses it before it runs and the write answers 503.
-- KEYS[1] session hash
-- ARGV[1] field name  ARGV[2] JSON value  ARGV[3] '1' to delete instead  ARGV[4] max data bytes
-- ARGV[5] not-after, Redis time in ms (0 = none)  ARGV[6] events channel for caches that listen ('' = none)
-- ARGV[7] public id
-- Returns 1 written, 0 no such session (nothing written), -1 too late, or -(bytes it would have reached) - 1 when
-- over the limit.
-- A Lua check, not read-modify-write: a slow request can never bring back a session a logout destroyed, and
-- concurrent writes to different fields never overwrite each other.
local notAfter = tonumber(ARGV[5])
if notAfter > 0 then
  local t = redis.call('TIME')
  if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) > notAfter then return -1 end
end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local field = ARGV[1]
local old = redis.call('HSTRLEN', KEYS[1], field)
local oldBytes = 0
if old > 0 or redis.call('HEXISTS', KEYS[1], field) == 1 then oldBytes = old + #field end
local total = tonumber(redis.call('HGET', KEYS[1], 'z') or '0') - oldBytes
if ARGV[3] == '1' then
  redis.call('HDEL', KEYS[1], field)
else
  total = total + #field + #ARGV[2]
  if total > tonumber(ARGV[4]) then return -total - 1 end
  redis.call('HSET', KEYS[1], field, ARGV[2])
end
if total > 0 then redis.call('HSET', KEYS[1], 'z', total) else redis.call('HDEL', KEYS[1], 'z') end
if ARGV[6] ~= '' then redis.call('PUBLISH', ARGV[6], cjson.encode({ type = 'changed', id = ARGV[7] })) end
return 1
