-- Destroys sessions of one user and removes them from the user's index, atomically.
-- KEYS[1] user index, then for each session: its hash key, its shadow key
-- ARGV[1] events channel ('' = do not publish)  ARGV[2] reason  ARGV[3] instance id  ARGV[4] user id
-- ARGV[5..] for each session: token hash (index member), public handle
-- Returns how many sessions existed and were destroyed. An event is published only for those, so one session
-- never yields two invalidation events.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local destroyed = 0
local n = (#KEYS - 1) / 2
for i = 1, n do
  local existed = redis.call('DEL', KEYS[2 * i])
  redis.call('DEL', KEYS[2 * i + 1])
  redis.call('ZREM', KEYS[1], ARGV[3 + 2 * i])
  if existed == 1 then
    destroyed = destroyed + 1
    if ARGV[1] ~= '' then
      redis.call('PUBLISH', ARGV[1], cjson.encode({ type = 'invalidated', reason = ARGV[2], id = ARGV[4 + 2 * i],
        userId = ARGV[4], at = now, instance = ARGV[3] }))
    end
  end
end
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('DEL', KEYS[1]) end
return destroyed
