import { createHash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface HubFaults {
  /** Drop the connection after this many bytes of the first full (non-range) download of a file. */
  cutAfter?: { file: string; bytes: number };
  /** Serve this file with its first byte flipped. */
  corrupt?: string;
}

export interface HubOptions extends HubFaults {
  /** Further repositories served beside the first, repo name to model folder (the fast tier's static pack beside a model). */
  moreRepos?: Record<string, string>;
}

export interface ModelHub {
  endpoint: string;
  /** Every request's path and Range header, in order. */
  requests: Array<{ url: string; range: string | undefined }>;
  close(): Promise<void>;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) out.push(...(await listFiles(path.join(dir, entry.name), `${prefix}${entry.name}/`)));
    else out.push(prefix + entry.name);
  }
  return out;
}

/**
 * A loopback stand-in for a Hugging Face style hub serving a model folder per repository: the file
 * listing (git blob ids, LFS sha256 for .onnx and .safetensors files) and files with Range support,
 * with optional faults.
 */
export async function startModelHub(modelDir: string, repo: string, options: HubOptions = {}): Promise<ModelHub> {
  const repos = new Map<string, { modelDir: string; files: string[] }>();
  for (const [name, dir] of Object.entries({ [repo]: modelDir, ...options.moreRepos })) repos.set(name, { modelDir: dir, files: await listFiles(dir) });
  const requests: ModelHub['requests'] = [];
  let cut = options.cutAfter;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://127.0.0.1');
    requests.push({ url: url.pathname, range: req.headers.range });
    const listed = /^\/api\/models\/(.+)\/tree\/main$/.exec(url.pathname);
    const fetched = /^\/(.+?\/.+?)\/resolve\/main\/(.+)$/.exec(url.pathname);
    const served = repos.get((listed ?? fetched)?.[1] ?? '');
    if (served && listed) {
      const listing = served.files.map((file) => {
        const data = readFileSync(path.join(served.modelDir, file));
        const oid = createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
        const lfs = file.endsWith('.onnx') || file.endsWith('.safetensors') ? { oid: createHash('sha256').update(data).digest('hex'), size: data.length } : undefined;
        return { type: 'file', path: file, size: lfs ? 134 : data.length, oid, ...(lfs ? { lfs } : {}) };
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(listing));
      return;
    }
    const file = fetched?.[2];
    if (!served || !file || !served.files.includes(file)) {
      res.writeHead(404).end();
      return;
    }
    let data = readFileSync(path.join(served.modelDir, file));
    if (options.corrupt === file) {
      data = Buffer.from(data);
      data[0] = data[0]! ^ 0xff;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      res.writeHead(206, { 'content-length': data.length - start, 'content-range': `bytes ${start}-${data.length - 1}/${data.length}` });
      res.end(data.subarray(start));
      return;
    }
    res.writeHead(200, { 'content-length': data.length });
    if (cut && cut.file === file) {
      const bytes = cut.bytes;
      cut = undefined;
      // Give the bytes time to arrive, then break the connection mid-file.
      res.write(data.subarray(0, bytes), () => setTimeout(() => res.destroy(), 100));
      return;
    }
    res.end(data);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
