#!lua flags=allow-oom
-- Destroys sessions of one user and removes them from the user's index, atomically.
-- allow-oom: ending sessions frees memory, and logout must work when Redis is full.
-- KEYS[1] user index, then each session's hash key
-- ARGV[1] events channel ('' = do not publish)  ARGV[2] reason  ARGV[3] instance id  ARGV[4] user id
-- ARGV[5] the verifier hash the request presented, for an end that only that token may cause ('' = any): a
--         request whose token was replaced meanwhile (regenerate) ends nothing (a binding mismatch, say)
-- ARGV[6..] for each session: its index field, its public id
-- Returns how many sessions existed and were destroyed. An `invalidated` event is published only for those, so one
-- session never yields two; an index entry whose session was already gone is an expiry nobody reported, and is
-- reported now as one.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local channel = ARGV[1]
local destroyed = 0
local presented = ARGV[5]
if presented ~= '' then
  local f = redis.call('HMGET', KEYS[2], 'v', 'p', 'g')
  local opens = f[1] == presented or (f[2] == presented and f[3] and now < tonumber(f[3]))
  if f[1] and not opens then return 0 end
end
for i = 2, #KEYS do
  local part, id = ARGV[2 * i + 2], ARGV[2 * i + 3]
  local existed = redis.call('DEL', KEYS[i])
  local deadline = redis.call('HGET', KEYS[1], part)
  redis.call('HDEL', KEYS[1], part)
  local event
  if existed == 1 then
    destroyed = destroyed + 1
    event = { type = 'invalidated', reason = ARGV[2], id = id, userId = ARGV[4], at = now, instance = ARGV[3] }
  elseif deadline then
    event = { type = 'expired', id = id, userId = ARGV[4], at = now, instance = 'redis', detectedBy = 'cleanup',
      cause = (now >= tonumber(deadline) - 1000) and 'absolute' or 'idle' }
  end
  if event and channel ~= '' then redis.call('PUBLISH', channel, cjson.encode(event)) end
end
if redis.call('HLEN', KEYS[1]) <= 1 then redis.call('DEL', KEYS[1]) end
return destroyed
