// The thread side of reportParser (report-parse.ts): parses each report.json text it is sent and answers with what
// the page is sent, so that the dashboard server's event loop goes on answering meanwhile.
import { parentPort } from 'node:worker_threads';
import { parseReport } from './report-parse.ts';

parentPort!.on('message', (bytes: Uint8Array) => {
  parentPort!.postMessage({ report: parseReport(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) });
});
