/**
 * Free loopback ports for the local servers the tests start.
 */
import { createServer } from "node:net";

export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/** A base port with it and the `count - 1` ports above it free. */
export async function freePortRange(count: number): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = 20000 + Math.floor(Math.random() * 20000);
    let ok = true;
    for (let j = 0; j < count && ok; j++) ok = await portFree(p + j);
    if (ok) return p;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}
