/**
 * The `tidemark` command (`npm run tidemark -- <command>`). Exit codes: 0 success, 1 a failed
 * run or check, 2 bad usage.
 */
import { ZodError } from 'zod';
import { TidemarkError, ConfigError } from '../contracts/errors.ts';
import { UsageError, type CliIO } from './cli-context.ts';
import { scrubSecrets } from '../logging/logger.ts';

type Command = (argv: string[], io: CliIO) => Promise<number>;

// Commands load their modules on demand, so a quick `logs` does not load the emulators.
const serve = () => import('./commands/serve.ts');
const admin = () => import('./commands/admin.ts');

const COMMANDS: Record<string, { run: Command; help: string }> = {
  start: { run: async (a, io) => (await serve()).startCommand(a, io), help: 'start            run the product (sandbox when no source credentials are set)' },
  sandbox: {
    run: async (a, io) => (a[0] === 'generate' ? (await import('./commands/generate.ts')).generateCommand(a.slice(1), io) : (await serve()).sandboxCommand(a, io)),
    help: 'sandbox [--dataset DIR] [--workers 1|0] [--no-run] [--schedule S|none] | sandbox generate --accounts N --seed S --out DIR [--now ISO] [--days D] [--events-per-user-day E] [--contacts-per-account C]',
  },
  sync: { run: async (a, io) => (await import('./commands/sync.ts')).syncCommand(a, io), help: 'sync [SOURCE...] [--full] [--dry-run] [--wait]' },
  logs: { run: async (a, io) => (await import('./commands/logs.ts')).logsCommand(a, io), help: 'logs [--run ID] [--account ID] [--status S] [--source S] [--record ID] [--search TEXT]' },
  resolve: { run: async (a, io) => (await import('./commands/resolve.ts')).resolveCommand(a, io), help: 'resolve --explain KIND:ID | resolve --report [--truth FILE]' },
  health: { run: async (a, io) => (await import('./commands/health.ts')).healthCommand(a, io), help: 'health preview --model FILE | health backtest [--model FILE] [--truth FILE]' },
  rules: { run: async (a, io) => (await import('./commands/rules.ts')).rulesCommand(a, io), help: 'rules list | rules add --type T ... --reason TEXT | rules delete ID' },
  unmatched: { run: async (a, io) => (await admin()).unmatchedCommand(a, io), help: 'unmatched [--source S] [--reason R]' },
  writes: { run: async (a, io) => (await admin()).writesCommand(a, io), help: 'writes --account ID' },
  writeback: { run: async (a, io) => (await admin()).writebackCommand(a, io), help: 'writeback pause | writeback resume | writeback revert --run ID' },
  surveys: { run: async (a, io) => (await admin()).surveysCommand(a, io), help: 'surveys import FILE [--format csv|jsonl] [--map FIELD=COLUMN ...]' },
  tokens: { run: async (a, io) => (await admin()).tokensCommand(a, io), help: 'tokens create --role admin|viewer' },
  forget: { run: async (a, io) => (await import('./commands/forget.ts')).forgetCommand(a, io), help: 'forget --email EMAIL   erase a person\'s data (records, survey comments, log lines)' },
  reset: { run: async (a, io) => (await admin()).resetCommand(a, io), help: "reset            clear this org's state (its key prefix)" },
  worker: { run: async (a, io) => (await serve()).workerCommand(a, io), help: 'worker           run workers only (scale out with more processes; joins a running sandbox)' },
  api: { run: async (a, io) => (await serve()).apiCommand(a, io), help: 'api              run the admin API and schedulers only' },
};

function usage(): string {
  return ['usage: npm run tidemark -- <command> [options]   (every command takes --json)', '', ...Object.values(COMMANDS).map((c) => `  ${c.help}`)].join('\n');
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.out(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    const message = scrubSecrets(err instanceof Error ? err.message : String(err));
    if (err instanceof UsageError || (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
      io.err(`${message}\n\n${usage()}`);
      return 2;
    }
    if (err instanceof ConfigError || err instanceof TidemarkError) {
      io.err(message);
      return 1;
    }
    if (err instanceof ZodError) {
      io.err(`invalid input: ${err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return 2;
    }
    io.err(`error: ${message}`);
    return 1;
  }
}

const isEntry = process.argv[1] !== undefined && /src[\\/]cli[\\/]main\.ts$/.test(process.argv[1]);
if (isEntry) {
  const argv = process.argv.slice(2);
  const io: CliIO = { json: argv.includes('--json'), out: (t) => process.stdout.write(`${t}\n`), err: (t) => process.stderr.write(`${t}\n`) };
  main(argv, io).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${scrubSecrets(String(err))}\n`);
      process.exit(1);
    },
  );
}
