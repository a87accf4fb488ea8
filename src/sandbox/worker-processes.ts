/**
 * The sandbox's workers as child processes (`sandbox --workers N`, default 1): each runs
 * `tidemark worker --join-sandbox`, which joins this sandbox through .data/sandbox.json.
 *
 * Why not in the sandbox process: the emulators serve every export page from that process, so
 * workers there share one event loop (and one core) with them; a big export page or a long
 * emulator query then delays the workers' BullMQ lock renewals (at 20,000 accounts locks were
 * lost and jobs taken over mid-pull). As separate processes the emulators and the workers use
 * both cores, and the workers behave as in production.
 *
 * Lifetime: the children have an IPC channel to the sandbox; when it closes (the sandbox exits,
 * even by SIGKILL) they finish their active jobs and exit, so none is left behind. On a clean
 * shutdown the sandbox sends SIGTERM and waits for them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import { withWorkerNodeFlags } from '../runtime/node-flags.ts';

export interface WorkerProcesses {
  pids: number[];
  close(): Promise<void>;
}

/** The command line that runs this CLI again (node with the same loader flags and a worker's V8 flags, the same entry script). */
export function cliCommand(): { command: string; args: string[] } {
  const entry = process.argv[1];
  if (!entry) throw new Error('cannot tell the CLI entry script (process.argv[1] is empty)');
  return { command: process.execPath, args: [...withWorkerNodeFlags(process.execArgv), entry] };
}

export function startWorkerProcesses(count: number, log: Logger, cwd = process.cwd()): WorkerProcesses {
  const { command, args } = cliCommand();
  const children: ChildProcess[] = [];
  let stopping = false;
  for (let i = 0; i < count; i += 1) {
    const child = spawn(command, [...args, 'worker', '--join-sandbox'], { cwd, env: process.env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('exit', (code, signal) => {
      if (!stopping) log.error({ pid: child.pid, code, signal }, 'a sandbox worker process exited; restart the sandbox or start `npm run tidemark -- worker`');
    });
    children.push(child);
  }
  return {
    pids: children.map((c) => c.pid ?? 0),
    async close() {
      stopping = true;
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) {
                done();
                return;
              }
              // Active jobs finish first (graceful worker close); a child that hangs is killed.
              const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
              child.once('exit', () => {
                clearTimeout(kill);
                done();
              });
              child.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

/** In a worker started by startWorkerProcesses: stop (as on SIGTERM) when the sandbox's IPC channel closes. */
export function exitWithParent(stop: () => void): void {
  if (!process.send) return;
  process.once('disconnect', stop);
}
