/** JSON Lines files written with backpressure, so large datasets stream in bounded memory. */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export class LineWriter {
  private readonly stream: WriteStream;
  count = 0;
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.stream = createWriteStream(path, { encoding: 'utf8' });
  }
  async write(value: unknown): Promise<void> {
    this.count += 1;
    if (!this.stream.write(`${JSON.stringify(value)}\n`)) await new Promise<void>((resolve) => this.stream.once('drain', resolve));
  }
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
    });
  }
}
