/**
 * Members added to many small sets, a script call per batch of sets instead of a SADD per set.
 *
 * A full resolve adds each record's reference to the reverse index of each of its lookup keys: at
 * 20,000 accounts about 2,000,000 sets of one or two members each. As one SADD per set that was
 * 2,000,000 commands for the client to encode and the server to parse, dispatch and answer
 * (16 s of the Redis server's CPU, `npm run bench -- --only e2e --e2e-accounts 20000`); inside a
 * script each is a function call.
 *
 * KEYS: the sets. ARGV: for each set in order, its member count, then its members.
 */
import type { ChainableCommander } from 'ioredis';
import { CHUNK, LUA_SLICE } from './chunks.ts';

const SADD_MANY = `
local pos = 1
for i = 1, #KEYS do
  local n = tonumber(ARGV[pos])
  pos = pos + 1
  local last = pos + n - 1
  for j = pos, last, ${LUA_SLICE} do
    redis.call('SADD', KEYS[i], unpack(ARGV, j, math.min(j + ${LUA_SLICE} - 1, last)))
  end
  pos = last + 1
end
return #KEYS
`;

/**
 * Queues on `m` the additions of `members` (name -> members to add; `keyOf(name)` is the set's
 * key); a script call takes sets until it carries about CHUNK arguments (a larger set is sent in
 * slices of CHUNK).
 */
export function addToSets(m: ChainableCommander, members: ReadonlyMap<string, readonly string[]>, keyOf: (name: string) => string = (name) => name): void {
  let keys: string[] = [];
  let args: string[] = [];
  const send = (): void => {
    if (keys.length === 0) return;
    m.eval(SADD_MANY, keys.length, ...keys, ...args);
    keys = [];
    args = [];
  };
  for (const [name, list] of members) {
    if (list.length === 0) continue;
    const key = keyOf(name);
    for (let i = 0; i < list.length; i += CHUNK) {
      const slice = list.slice(i, i + CHUNK);
      if (keys.length + args.length + slice.length + 2 > CHUNK) send();
      keys.push(key);
      args.push(String(slice.length));
      for (const member of slice) args.push(member);
    }
  }
  send();
}
