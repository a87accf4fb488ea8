/** A connector with no settings whose check always passes, around the streams a test scripts. */
import { z } from 'zod';
import { defineConnector, type Connector } from '../../src/contracts/connector.ts';
import type { SourceId } from '../../src/contracts/records.ts';

const noSettings = z.object({});
export type FakeConfig = z.infer<typeof noSettings>;

export function fakeConnector(id: SourceId, streams: Connector<FakeConfig>['streams']): Connector<FakeConfig> {
  return defineConnector({ id, title: 'fake', configSchema: noSettings, check: async () => ({ ok: true, message: 'ok' }), streams });
}
