-- Releases a lock only if this instance still holds it (it may have expired and been taken by another).
-- KEYS[1] lock key   ARGV[1] owner id
-- Returns 1 released, 0 not ours.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
