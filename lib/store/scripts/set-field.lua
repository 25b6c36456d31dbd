-- Writes (or deletes) one data field of a session, only while the session exists and within the size limit.
-- KEYS[1] session hash
-- ARGV[1] field name  ARGV[2] JSON value  ARGV[3] '1' to delete instead  ARGV[4] max data bytes
-- Returns 1 written, 0 no such session (nothing written), or -(bytes it would have reached) when over the limit.
-- A Lua check, not read-modify-write: a slow request can never bring back a session a logout destroyed, and
-- concurrent writes to different fields never overwrite each other.
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
  if total > tonumber(ARGV[4]) then return -total end
  redis.call('HSET', KEYS[1], field, ARGV[2])
end
redis.call('HSET', KEYS[1], 'z', total)
return 1
