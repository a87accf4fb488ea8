/** Starts the three emulators over one dataset on the sandbox ports (0 = any free port). */
import type { Server } from 'node:http';
import type { Dataset } from './dataset.ts';
import { closeServer, listen } from './emulator-kit/index.ts';
import { createSalesforceEmulator } from '../../connectors/salesforce/emulator/index.ts';
import { createZendeskEmulator } from '../../connectors/zendesk/emulator/index.ts';
import { createMixpanelEmulator } from '../../connectors/mixpanel/emulator/index.ts';

export interface EmulatorPorts {
  salesforce: number;
  zendesk: number;
  mixpanel: number;
}

export interface RunningEmulators {
  urls: { salesforce: string; zendesk: string; mixpanel: string };
  salesforce: ReturnType<typeof createSalesforceEmulator>;
  zendesk: ReturnType<typeof createZendeskEmulator>;
  mixpanel: ReturnType<typeof createMixpanelEmulator>;
  close(): Promise<void>;
}

export async function startEmulators(dataset: Dataset, ports: EmulatorPorts, options: { limits: 'relaxed' | 'real'; seed: number }): Promise<RunningEmulators> {
  const salesforce = createSalesforceEmulator({ dataset, seed: options.seed, limits: options.limits });
  const zendesk = createZendeskEmulator({ dataset, seed: options.seed, limits: options.limits });
  const mixpanel = createMixpanelEmulator({ dataset, seed: options.seed, limits: options.limits });
  const servers: Server[] = [];
  try {
    const sf = await listen(salesforce.app, ports.salesforce);
    servers.push(sf.server);
    const zd = await listen(zendesk.app, ports.zendesk);
    servers.push(zd.server);
    const mp = await listen(mixpanel.app, ports.mixpanel);
    servers.push(mp.server);
    return {
      urls: { salesforce: sf.url, zendesk: zd.url, mixpanel: mp.url },
      salesforce,
      zendesk,
      mixpanel,
      close: async () => {
        await Promise.all(servers.map((s) => closeServer(s)));
      },
    };
  } catch (err) {
    await Promise.all(servers.map((s) => closeServer(s)));
    const port = typeof err === 'object' && err !== null && 'port' in err ? ` (port ${String(err.port)})` : '';
    throw new Error(`could not start the emulators${port}: ${(err as Error).message}. Free the port or set SANDBOX_SALESFORCE_PORT / SANDBOX_ZENDESK_PORT / SANDBOX_MIXPANEL_PORT`, { cause: err });
  }
}
