import { parseArgs } from 'node:util';
import { generateDataset } from '../../sandbox/generator/index.ts';
import { print, UsageError, type CliIO } from '../cli-context.ts';

export async function generateCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { accounts: { type: 'string' }, seed: { type: 'string', default: '1' }, out: { type: 'string' }, now: { type: 'string' }, json: { type: 'boolean' } } });
  const accounts = Number(values.accounts);
  const seed = Number(values.seed);
  if (!values.accounts || !Number.isInteger(accounts) || accounts < 1) throw new UsageError('--accounts must be a whole number of at least 1');
  if (!Number.isInteger(seed)) throw new UsageError('--seed must be a whole number');
  if (!values.out) throw new UsageError('usage: sandbox generate --accounts N --seed S --out DIR');
  const now = values.now ? new Date(values.now) : new Date();
  if (Number.isNaN(now.getTime())) throw new UsageError('--now must be an ISO-8601 date-time');
  const summary = await generateDataset({ accounts, seed, out: values.out, now });
  print(io, `dataset written to ${values.out}\n${JSON.stringify(summary, null, 2)}`, summary);
  return 0;
}
