/**
 * Runs one emulator over a dataset in its own process and prints its URL (benchmarks keep the
 * "remote" API off the measured process). The events file is indexed before the URL is printed,
 * so the index is not part of any measurement.
 */
import { createMixpanelEmulator } from '../connectors/mixpanel/emulator/index.ts';
import { loadDataset } from '../src/sandbox/dataset.ts';
import { listen } from '../src/sandbox/emulator-kit/index.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: emulator-process.ts DATASET_DIR');
const emulator = createMixpanelEmulator({ dataset: await loadDataset(dir), seed: 1 });
const unindexed = await emulator.indexEvents();
if (unindexed) process.stderr.write(`mixpanel emulator serves the events file line by line: ${unindexed}\n`);
const { url } = await listen(emulator.app, 0);
process.stdout.write(`${url}\n`);
// A normal exit on SIGTERM, so node flags such as --cpu-prof can write their output.
process.once('SIGTERM', () => process.exit(0));
