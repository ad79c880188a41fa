/**
 * The Lua scripts of the Redis key store. Redis runs a script without interleaving any other
 * client's command, so each is atomic for its whole batch. Keys are built here from the prefix
 * (they must match redis-key-store.keys.ts), so the scripts touch keys they do not declare:
 * fine on a standalone Redis (with or without replicas), not on Redis Cluster.
 */

/**
 * Insert-if-absent, then read back. For each customer: if it has a live version, return the
 * highest (a racer won, or it was there all along); else if the version offered is
 * lastVersion + 1, store the offered record and return it; else (an erasure came in between the
 * caller's read and this script) return 0 and the version to offer instead.
 *
 * ARGV: prefix, count, then per customer: id, version offered, record JSON.
 * Returns per customer: version, record JSON (or 0, next version as a string).
 */
export const GET_OR_CREATE_SCRIPT = `
local prefix = ARGV[1]
local count = tonumber(ARGV[2])
local out = {}
for i = 0, count - 1 do
  local base = 3 + i * 3
  local key = prefix .. 'customer:' .. ARGV[base]
  local offered = tonumber(ARGV[base + 1])
  local highest = nil
  local highestField = nil
  for _, field in ipairs(redis.call('HKEYS', key)) do
    if string.match(field, '^%d+$') then
      local version = tonumber(field)
      if highest == nil or version > highest then
        highest = version
        highestField = field
      end
    end
  end
  if highest ~= nil then
    out[#out + 1] = highest
    out[#out + 1] = redis.call('HGET', key, highestField)
  else
    local nextVersion = (tonumber(redis.call('HGET', key, 'lastVersion')) or 0) + 1
    if nextVersion == offered then
      redis.call('HSET', key, ARGV[base + 1], ARGV[base + 2])
      out[#out + 1] = offered
      out[#out + 1] = ARGV[base + 2]
    else
      out[#out + 1] = 0
      out[#out + 1] = tostring(nextVersion)
    end
  end
end
return out
`;

/**
 * Deletes every version field of each customer and writes the tombstone (lastVersion, erasedAt)
 * when a version was deleted or none was recorded before.
 *
 * ARGV: prefix, erasedAt, then the customer ids. Returns per customer the versions deleted, ascending.
 */
export const DESTROY_SCRIPT = `
local prefix = ARGV[1]
local at = ARGV[2]
local out = {}
for i = 3, #ARGV do
  local key = prefix .. 'customer:' .. ARGV[i]
  local fields = {}
  local versions = {}
  for _, field in ipairs(redis.call('HKEYS', key)) do
    if string.match(field, '^%d+$') then
      fields[#fields + 1] = field
      versions[#versions + 1] = tonumber(field)
    end
  end
  table.sort(versions)
  local previous = tonumber(redis.call('HGET', key, 'lastVersion'))
  if #fields > 0 then redis.call('HDEL', key, unpack(fields)) end
  if #fields > 0 or previous == nil then
    local last = math.max(previous or 0, versions[#versions] or 0)
    redis.call('HSET', key, 'lastVersion', string.format('%d', last), 'erasedAt', at)
  end
  out[#out + 1] = versions
end
return out
`;
