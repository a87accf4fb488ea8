/**
 * JSON Lines files written with backpressure: lines are batched into chunks of about 64 KB and
 * a chunk the stream cannot take yet is awaited ('drain'), so large datasets stream in bounded
 * memory. `write` returns a promise only when it had to wait, so hot loops can skip the await.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

const CHUNK = 64 * 1024;

export class LineWriter {
  private readonly stream: WriteStream;
  private buffer = '';
  private failure: Error | null = null;
  count = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.stream = createWriteStream(path, { encoding: 'utf8' });
    this.stream.on('error', (err) => {
      this.failure = err;
    });
  }

  /** Queues one record; resolves once the stream can take more when its buffer is full. */
  write(value: unknown): Promise<void> | undefined {
    if (this.failure) throw new Error(`cannot write ${this.path}: ${this.failure.message}`);
    this.count += 1;
    this.buffer += `${JSON.stringify(value)}\n`;
    return this.buffer.length >= CHUNK ? this.flush() : undefined;
  }

  private flush(): Promise<void> | undefined {
    const chunk = this.buffer;
    this.buffer = '';
    if (chunk === '' || this.stream.write(chunk)) return undefined;
    return new Promise<void>((resolve, reject) => {
      const onDrain = (): void => {
        this.stream.off('error', onError);
        resolve();
      };
      const onError = (err: Error): void => {
        this.stream.off('drain', onDrain);
        reject(new Error(`cannot write ${this.path}: ${err.message}`));
      };
      this.stream.once('drain', onDrain);
      this.stream.once('error', onError);
    });
  }

  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => {
      this.stream.end((err?: Error | null) => (err ? reject(new Error(`cannot finish ${this.path}: ${err.message}`)) : resolve()));
    });
    if (this.failure) throw new Error(`cannot write ${this.path}: ${this.failure.message}`);
  }
}
