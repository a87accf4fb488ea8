/** Runs one emulator over a dataset in its own process and prints its URL (benchmarks keep the "remote" API off the measured process). */
import { createMixpanelEmulator } from '../connectors/mixpanel/emulator/index.ts';
import { loadDataset } from '../src/sandbox/dataset.ts';
import { listen } from '../src/sandbox/emulator-kit/index.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: emulator-process.ts DATASET_DIR');
const emulator = createMixpanelEmulator({ dataset: await loadDataset(dir), seed: 1 });
const { url } = await listen(emulator.app, 0);
process.stdout.write(`${url}\n`);
