// A runtime that fails to start releases what it opened (the durable log's lock, DuckDB), so the same process can start it again.
import * as net from 'node:net';
import { startTestRuntime, tempDir } from '../helpers/runtime';

test('a start that fails at listen leaves the data directory free for the next start', async () => {
  const dataDir = tempDir();
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as net.AddressInfo).port;
  try {
    await expect(startTestRuntime({ dataDir, port })).rejects.toThrow(/EADDRINUSE/);
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
  const rt = await startTestRuntime({ dataDir });
  try {
    const h = await fetch(`${rt.url}/healthz`);
    expect(h.status).toBe(200);
  } finally {
    await rt.close();
  }
});
