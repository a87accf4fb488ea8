/** bull-board at /admin/queues: the BullMQ queues of this org, for operators (admin authentication). */
import { Queue, type ConnectionOptions } from 'bullmq';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Router } from 'express';
import { SOURCES } from '../contracts/records.ts';
import { bullPrefix, pullQueueName, RESOLVE_QUEUE, RUNS_QUEUE, SCORE_QUEUE, WRITEBACK_QUEUE } from '../../jobs/queues.ts';

export const BULL_BOARD_PATH = '/admin/queues';

export function bullBoard(prefix: string, connection: ConnectionOptions): { router: Router; close(): Promise<void> } {
  const names = [RUNS_QUEUE, ...SOURCES.map(pullQueueName), RESOLVE_QUEUE, SCORE_QUEUE, WRITEBACK_QUEUE];
  const queues = names.map((name) => new Queue(name, { connection, prefix: bullPrefix(prefix) }));
  const adapter = new ExpressAdapter();
  adapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: adapter, options: { uiConfig: { boardTitle: 'Tidemark queues' } } });
  return {
    router: adapter.getRouter() as Router,
    async close() {
      await Promise.all(queues.map((q) => q.close()));
    },
  };
}
