import nock from 'nock';
import { afterAll, afterEach, beforeAll } from 'vitest';

/**
 * Registers the nock lifecycle of a wire test file: no real network but loopback while it runs,
 * interceptors cleared after each test (then `reset`, if given), the network restored at the end.
 */
export function offlineNock(reset?: () => void): void {
  beforeAll(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  afterEach(() => {
    nock.cleanAll();
    reset?.();
  });
  afterAll(() => {
    nock.enableNetConnect();
  });
}
