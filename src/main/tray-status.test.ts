import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlertStatus, FolderJob } from '../shared/contract.js';
import type { IndexProgress } from '../shared/types.js';
import { tintTrayBitmap, trayStatus } from './tray-status.js';

const job = (folder: string, state: FolderJob['state'], error: string | null = null): FolderJob => ({ folder, state, priority: 0, progress: null, summary: null, error });
const progress = (folder: string, done: number, total: number, etaMs: number | null, phase: IndexProgress['phase'] = 'indexing'): IndexProgress => ({
  folder, phase, unit: 'files', total, done, bytesDone: 0, elapsedMs: 1000, rate: 10, etaMs,
});

describe('trayStatus', () => {
  it('is idle with nothing to do', () => {
    assert.deepEqual(trayStatus({ paused: false, jobs: [job('a', 'done')] }, new Map(), []), { state: 'idle', text: 'Quarry: up to date' });
  });

  it('shows the running folder with percent, ETA and what is queued', () => {
    const status = trayStatus({ paused: false, jobs: [job('repo', 'running'), job('other', 'queued')] }, new Map([['repo', progress('repo', 42, 100, 65_000)]]), []);
    assert.equal(status.state, 'indexing');
    assert.equal(status.text, 'Quarry: indexing repo 42%, 1m05s left (+1 queued)');
  });

  it('says embedding during phase 2', () => {
    const status = trayStatus({ paused: false, jobs: [job('repo', 'running')] }, new Map([['repo', progress('repo', 1, 4, null, 'embedding')]]), []);
    assert.equal(status.text, 'Quarry: embedding repo 25%');
  });

  it('pause wins over running, and a failure shows when nothing runs', () => {
    assert.equal(trayStatus({ paused: true, jobs: [job('repo', 'running')] }, new Map(), []).state, 'paused');
    const failed = trayStatus({ paused: false, jobs: [job('repo', 'failed', 'disk full')] }, new Map(), []);
    assert.deepEqual(failed, { state: 'error', text: 'Quarry: indexing repo failed: disk full' });
  });

  it('says an alert is firing above everything else, naming it', () => {
    const rule = (id: string, name: string): AlertStatus['rule'] => ({
      id, name, metric: 'searchP95Ms', when: 'above', threshold: 250, forSeconds: 60, windowSeconds: 60, minEvents: 0, enabled: true,
    });
    const alerts: AlertStatus[] = [
      { rule: rule('a', 'Searches are slow'), state: 'firing', value: 300, since: 1, acknowledgedAt: null },
      { rule: rule('b', 'Memory use is high'), state: 'pending', value: 4000, since: 1, acknowledgedAt: null },
      { rule: rule('c', 'Indexing failed'), state: 'firing', value: 1, since: 2, acknowledgedAt: null },
      { rule: rule('d', 'Disk'), state: 'firing', value: 1, since: 2, acknowledgedAt: 3 },
    ];
    const status = trayStatus({ paused: true, jobs: [job('repo', 'running')] }, new Map(), alerts);
    assert.deepEqual(status, { state: 'alert', text: 'Quarry: alert firing: Searches are slow (+1 more)' });
    assert.equal(trayStatus({ paused: false, jobs: [] }, new Map(), alerts.filter((a) => a.state !== 'firing')).state, 'idle', 'pending is not firing');
    assert.equal(trayStatus({ paused: false, jobs: [] }, new Map(), alerts.slice(3)).state, 'idle', 'an acknowledged alert no longer calls for attention');
    assert.deepEqual([...tintTrayBitmap(Uint8Array.from([0, 0, 0, 255]), 'alert')], [0, 140, 230, 255]);
  });

  it('tints the icon by state, keeping its shape', () => {
    const idle = Uint8Array.from([10, 20, 30, 255, 10, 20, 30, 0]);
    assert.equal(tintTrayBitmap(idle, 'idle'), idle);
    const error = tintTrayBitmap(idle, 'error');
    assert.deepEqual([...error], [40, 40, 198, 255, 40, 40, 198, 0], 'red where the icon is, transparent where it is not');
    assert.notDeepEqual([...tintTrayBitmap(idle, 'paused')], [...tintTrayBitmap(idle, 'indexing')]);
    assert.deepEqual([...idle], [10, 20, 30, 255, 10, 20, 30, 0], 'the idle bitmap is left as it was');
  });
});

