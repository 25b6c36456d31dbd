-- Writes sessions in the library's storage format (as create.lua does, bench data: device "Firefox on Linux", a
-- .username field, 1 session per user) or in a variant of it, to measure what a format change would save.
-- Driven by memory-variants.sh. ARGV: from, to, comma-separated flags:
--   shortkey  session key <= 30 chars (s:{tag}<rest>)      sec    c/l/a and index deadlines in seconds
--   noi / nol / noz   no i / l / z field                  v16    16-char verifier hash
--   aoff      a as an offset from c                        noindexttl  user index without a TTL
--   noindex,userinsession  no user index; the user id in the session hash
local from, to, flags = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local function has(f) return string.find(',' .. flags .. ',', ',' .. f .. ',', 1, true) ~= nil end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local idle, life = 1800000, 86400000
for n = from, to - 1 do
  local user = 'user-' .. n
  local h = redis.sha1hex('u' .. n)
  local tag, drest, part = string.sub(h, 1, 3), string.sub(h, 4, 16), string.sub(redis.sha1hex('p' .. n), 1, 8)
  local v = string.sub(redis.sha1hex('v' .. n), 1, has('v16') and 16 or 22)
  local skey, ikey
  if has('shortkey') then
    skey = 's:{' .. tag .. '}' .. drest .. part
    ikey = 's:{' .. tag .. '}' .. drest
  else
    skey = 'sess:s:{' .. tag .. '}:' .. drest .. part
    ikey = 'sess:u:{' .. tag .. '}:' .. drest
  end
  local c, l, a = now, now, now + life
  if has('sec') then c, l, a = math.floor(now / 1000), math.floor(now / 1000), math.floor((now + life) / 1000) end
  local json = '"name-' .. user .. '"'
  local fields = { 'v', v, 'd', 'Firefox on Linux', 'c', c }
  if not has('nol') then fields[#fields + 1] = 'l'; fields[#fields + 1] = l end
  if has('aoff') then
    fields[#fields + 1] = 'a'; fields[#fields + 1] = has('sec') and (life / 1000) or life
  elseif not has('noa') then
    fields[#fields + 1] = 'a'; fields[#fields + 1] = a
  end
  if not has('noi') then fields[#fields + 1] = 'i'; fields[#fields + 1] = idle end
  if not has('noz') then fields[#fields + 1] = 'z'; fields[#fields + 1] = 9 + #json end
  fields[#fields + 1] = '.username'; fields[#fields + 1] = json
  if has('userinsession') then fields[#fields + 1] = 'u'; fields[#fields + 1] = user end
  redis.call('HSET', skey, unpack(fields))
  redis.call('PEXPIREAT', skey, now + idle)
  if not has('noindex') then
    redis.call('HSET', ikey, part, has('sec') and math.floor((now + life) / 1000) or (now + life), '@', user)
    if not has('noindexttl') then redis.call('PEXPIREAT', ikey, now + life + 60000) end
  end
end
return 1
