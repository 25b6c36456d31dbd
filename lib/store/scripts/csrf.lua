#!lua
-- Gives a session its CSRF token (the synchronizer token of `csrf.mode: 'token'`) unless it has one, and returns it.
-- KEYS[1] session hash   ARGV[1] a fresh random token, used only if the session has none yet
-- Returns the session's token, or false when the session does not exist (nothing written).
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSETNX', KEYS[1], 'k', ARGV[1])
return redis.call('HGET', KEYS[1], 'k')
