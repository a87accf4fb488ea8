/**
 * Mixpanel: engage profiles and raw-export events aggregated per day. The export is read by
 * Tidemark's own streaming reader, not mixpanel-data-export (docs/decisions/0001).
 */
import { defineConnector } from '../../src/contracts/connector.ts';
import { errorMessage } from '../../src/contracts/errors.ts';
import { mixpanelConfigSchema, queryBase, type MixpanelConfig } from './config.ts';
import { activitiesStream } from './streams/activities.ts';
import { engageRequest, profilesStream } from './streams/profiles.ts';

export { mixpanelConfigSchema, type MixpanelConfig } from './config.ts';

export const mixpanelConnector = defineConnector<MixpanelConfig>({
  id: 'mixpanel',
  title: 'Mixpanel',
  configSchema: mixpanelConfigSchema,
  streams: [profilesStream, activitiesStream],
  async check(config) {
    try {
      await engageRequest(config, 0, null);
      return { ok: true, message: `Connected to Mixpanel project ${config.projectId} (${config.region.toUpperCase()} residency, ${queryBase(config)})` };
    } catch (err) {
      return { ok: false, message: errorMessage(err) };
    }
  },
});
