/**
 * The Lua script behind `RedisReadStore.commit`: views, their index moves and the checkpoint in
 * one atomic step (Redis runs a script without interleaving any other client's command).
 *
 * Redis does NOT roll back a script that fails after it has written, so the script works in two
 * phases: phase 1 reads and validates everything a write could trip over (key types, stored and
 * new JSON, positions) and returns an error before touching anything; phase 2 only writes, with
 * inputs that cannot make a command fail. A failed commit therefore changes nothing.
 *
 * Stale-writer guard: a view whose stored position is HIGHER than the incoming one is left as it
 * is (a late duplicate delivery must never move a view back); equal positions overwrite (same
 * event, same result). The checkpoint is written as given either way. Returns the number of
 * views skipped by the guard.
 *
 * Index keys are derived here from the stored indexes (the old ones are only known inside the
 * script), so the script touches keys it does not declare: fine on a standalone Redis (with or
 * without replicas), not supported on Redis Cluster.
 *
 * ARGV: prefix, hasCheckpoint ('1' | '0'), checkpoint name, checkpoint position, view count,
 * then per view: customer id, position, indexes JSON, stored value (`position\nindexes\nview`, built by
 * the caller from the same position and indexes JSON).
 */
export const COMMIT_SCRIPT = `
local prefix = ARGV[1]
local idsKey = prefix .. 'ids'
local checkpointsKey = prefix .. 'checkpoints'
local count = tonumber(ARGV[5])

-- Must match keys.index() in redis-read-store.keys.ts: the name's byte length makes the key unambiguous.
local function indexKey(name, value)
  return prefix .. 'idx:' .. #name .. ':' .. name .. ':' .. value
end

local checked = {}
local function wrongType(key, wanted)
  if checked[key] then return nil end
  local actual = redis.call('TYPE', key)['ok']
  if actual ~= wanted and actual ~= 'none' then
    return 'WRONGTYPE read-store key ' .. key .. ' holds a ' .. actual .. ', expected a ' .. wanted
  end
  checked[key] = true
  return nil
end

local function decodeIndexes(json)
  local ok, decoded = pcall(cjson.decode, json)
  if not ok or type(decoded) ~= 'table' then return nil end
  for name, value in pairs(decoded) do
    if type(name) ~= 'string' or type(value) ~= 'string' then return nil end
  end
  return decoded
end

-- Phase 1: read and validate; no writes.
local err = wrongType(idsKey, 'zset')
if not err and ARGV[2] == '1' then
  err = wrongType(checkpointsKey, 'hash')
  if not err and tonumber(ARGV[4]) == nil then err = 'ERR checkpoint position is not a number' end
end
if err then return redis.error_reply(err) end

local state = {}    -- id -> { position, indexes } as stored, then as written so far
local original = {} -- id -> { position, indexes } as stored before this commit
local views = {}
for v = 0, count - 1 do
  local base = 6 + v * 4
  local id = ARGV[base]
  local position = tonumber(ARGV[base + 1])
  if position == nil then return redis.error_reply('ERR position of view ' .. id .. ' is not a number') end
  local indexes = decodeIndexes(ARGV[base + 2])
  if indexes == nil then return redis.error_reply('ERR indexes of view ' .. id .. ' are not an object of strings') end
  local key = prefix .. 'view:' .. id
  if state[id] == nil then
    -- pcall: a key of another type fails here, in phase 1, and the error names the key.
    local stored = redis.pcall('GET', key)
    if type(stored) == 'table' and stored.err then
      return redis.error_reply(stored.err .. ' (read-store key ' .. key .. ')')
    end
    local current = { indexes = {} }
    if stored then
      -- Only the short head (position, indexes) is parsed; the view JSON is never decoded here.
      local first = string.find(stored, '\\n', 1, true)
      local second = first and string.find(stored, '\\n', first + 1, true)
      current.position = first and tonumber(string.sub(stored, 1, first - 1))
      current.indexes = second and decodeIndexes(string.sub(stored, first + 1, second - 1))
      if not current.position or not current.indexes then
        return redis.error_reply('ERR stored view ' .. key .. ' is corrupt')
      end
      for name, value in pairs(current.indexes) do
        err = wrongType(indexKey(name, value), 'zset')
        if err then return redis.error_reply(err) end
      end
    end
    state[id] = current
    original[id] = current
  end
  for name, value in pairs(indexes) do
    err = wrongType(indexKey(name, value), 'zset')
    if err then return redis.error_reply(err) end
  end
  views[#views + 1] = {
    id = id, key = key, position = position,
    indexes = indexes, value = ARGV[base + 3],
  }
end

-- Phase 2: write. A later view of the same id in the batch is checked against the earlier one
-- (state); index moves are applied once per id as the net difference between what was stored
-- and what is stored now, batched per key to keep the number of commands low.
local skipped = 0
local values = {}   -- id -> { key, value } last written
local touched = {}  -- written ids, first-write order
for _, v in ipairs(views) do
  local current = state[v.id]
  if current.position ~= nil and current.position > v.position then
    skipped = skipped + 1
  else
    if values[v.id] == nil then touched[#touched + 1] = v.id end
    values[v.id] = { v.key, v.value }
    state[v.id] = { position = v.position, indexes = v.indexes }
  end
end

local adds, removes = {}, {}
local function push(map, key, id, withScore)
  local list = map[key]
  if list == nil then list = {}; map[key] = list end
  if withScore then list[#list + 1] = 0 end
  list[#list + 1] = id
end
local sets = {}
for _, id in ipairs(touched) do
  local before, after = original[id], state[id]
  for name, value in pairs(before.indexes) do
    if after.indexes[name] ~= value then push(removes, indexKey(name, value), id, false) end
  end
  for name, value in pairs(after.indexes) do
    if before.indexes[name] ~= value then push(adds, indexKey(name, value), id, true) end
  end
  if before.position == nil then push(adds, idsKey, id, true) end
  sets[#sets + 1] = values[id][1]
  sets[#sets + 1] = values[id][2]
end

-- unpack() is bounded by the Lua C stack (8000 slots): send at most 1000 arguments per command.
local function chunked(command, key, list)
  for i = 1, #list, 1000 do
    if key then
      redis.call(command, key, unpack(list, i, math.min(i + 999, #list)))
    else
      redis.call(command, unpack(list, i, math.min(i + 999, #list)))
    end
  end
end
chunked('MSET', nil, sets)
for key, ids in pairs(removes) do chunked('ZREM', key, ids) end
for key, pairsList in pairs(adds) do chunked('ZADD', key, pairsList) end
if ARGV[2] == '1' then redis.call('HSET', checkpointsKey, ARGV[3], ARGV[4]) end
return skipped
`;

/**
 * The Lua script behind `RedisReadStore.putDocuments`: compare-and-set of a batch of documents in
 * one atomic step. Same two phases as COMMIT_SCRIPT: phase 1 reads every stored version (and
 * fails on a foreign or corrupt key) without writing; if any version differs from the expected
 * one it returns the conflicting names and writes nothing; phase 2 only writes.
 *
 * The caller builds each stored value (`{expectedVersion + 1}\n{value JSON}`, see
 * redis-read-store.keys.ts) and guarantees names are unique and versions are integers ≥ 0, so
 * phase 2 cannot fail. Document keys are built here (not declared): standalone Redis only.
 *
 * ARGV: prefix, document count, then per document: name, expected version, stored value.
 * Returns the conflicting names in batch order; an empty array when everything was written.
 */
export const PUT_DOCUMENTS_SCRIPT = `
local prefix = ARGV[1]
local namesKey = prefix .. 'docs'
local count = tonumber(ARGV[2])

local namesType = redis.call('TYPE', namesKey)['ok']
if namesType ~= 'zset' and namesType ~= 'none' then
  return redis.error_reply('WRONGTYPE read-store key ' .. namesKey .. ' holds a ' .. namesType .. ', expected a zset')
end

-- Phase 1: read and compare; no writes.
local conflicts = {}
local sets = {}
local created = {}
for d = 0, count - 1 do
  local base = 3 + d * 3
  local name = ARGV[base]
  local expected = tonumber(ARGV[base + 1])
  local key = prefix .. 'doc:' .. name
  -- pcall: a key of another type fails here, in phase 1, and the error names the key.
  local stored = redis.pcall('GET', key)
  if type(stored) == 'table' and stored.err then
    return redis.error_reply(stored.err .. ' (read-store key ' .. key .. ')')
  end
  local version = 0
  if stored then
    local newline = string.find(stored, '\\n', 1, true)
    version = newline and tonumber(string.sub(stored, 1, newline - 1))
    if not version or version < 1 then return redis.error_reply('ERR stored document ' .. key .. ' is corrupt') end
  end
  if version ~= expected then
    conflicts[#conflicts + 1] = name
  else
    sets[#sets + 1] = key
    sets[#sets + 1] = ARGV[base + 2]
    if version == 0 then
      created[#created + 1] = 0
      created[#created + 1] = name
    end
  end
end
if #conflicts > 0 then return conflicts end

-- Phase 2: write. unpack() is bounded by the Lua C stack: at most 1000 arguments per command.
for i = 1, #sets, 1000 do redis.call('MSET', unpack(sets, i, math.min(i + 999, #sets))) end
for i = 1, #created, 1000 do redis.call('ZADD', namesKey, unpack(created, i, math.min(i + 999, #created))) end
return {}
`;
