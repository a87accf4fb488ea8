import { parseArgs } from 'node:util';
import { generateDataset } from '../../sandbox/generator/index.ts';
import { print, UsageError, type CliIO } from '../cli-context.ts';

export async function generateCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { accounts: { type: 'string' }, seed: { type: 'string', default: '1' }, out: { type: 'string' }, now: { type: 'string' }, days: { type: 'string' }, 'events-per-user-day': { type: 'string' }, 'contacts-per-account': { type: 'string' }, json: { type: 'boolean' } } });
  const accounts = Number(values.accounts);
  const seed = Number(values.seed);
  if (!values.accounts || !Number.isInteger(accounts) || accounts < 1) throw new UsageError('--accounts must be a whole number of at least 1');
  if (!Number.isInteger(seed)) throw new UsageError('--seed must be a whole number');
  if (!values.out) throw new UsageError('usage: sandbox generate --accounts N --seed S --out DIR [--now ISO] [--days D] [--events-per-user-day E] [--contacts-per-account C]');
  const now = values.now ? new Date(values.now) : new Date();
  if (Number.isNaN(now.getTime())) throw new UsageError('--now must be an ISO-8601 date-time');
  const days = values.days === undefined ? undefined : Number(values.days);
  if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 365)) throw new UsageError('--days must be a whole number from 1 to 365');
  const rate = values['events-per-user-day'] === undefined ? undefined : Number(values['events-per-user-day']);
  if (rate !== undefined && !(rate > 0 && rate <= 1000)) throw new UsageError('--events-per-user-day must be a number above 0 and at most 1000');
  const contacts = values['contacts-per-account'] === undefined ? undefined : Number(values['contacts-per-account']);
  if (contacts !== undefined && (!Number.isInteger(contacts) || contacts < 1 || contacts > 1000)) throw new UsageError('--contacts-per-account must be a whole number from 1 to 1000');
  const summary = await generateDataset({ accounts, seed, out: values.out, now, days, eventsPerActiveUserPerDay: rate, contactsPerAccount: contacts });
  print(io, `dataset written to ${values.out}\n${JSON.stringify(summary, null, 2)}`, summary);
  return 0;
}
