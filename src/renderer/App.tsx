import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import type { AlertStatus, Capabilities } from '../shared/contract';
import { formatAlertLine, formatDuration, formatPercent, PHASE_VERBS } from '../shared/format';
import { AlertsPage } from './alerts/AlertsPage';
import { api, errorMessage, inDesktopApp, subscribe } from './api';
import { droppedFolders } from './folders/dropped-folders';
import { FoldersPage } from './folders/FoldersPage';
import { SearchPage } from './search/SearchPage';
import { SettingsPage } from './settings/SettingsPage';
import { StatsPage } from './stats/StatsPage';
import { useAlerts } from './state/use-alerts';
import { useIndexing, type IndexingView } from './state/use-indexing';
import { useStats } from './state/use-stats';
import { useStatus } from './state/use-status';

type Page = 'search' | 'folders' | 'stats' | 'trends' | 'alerts' | 'settings';

// The charts library is most of the app's code: loaded when Trends is first opened.
const TrendsPage = lazy(() => import('./trends/TrendsPage').then((m) => ({ default: m.TrendsPage })));

const PAGES: Array<{ page: Page; label: string }> = [
  { page: 'search', label: 'Search' },
  { page: 'folders', label: 'Folders' },
  { page: 'stats', label: 'Stats' },
  { page: 'trends', label: 'Trends' },
  { page: 'alerts', label: 'Alerts' },
  { page: 'settings', label: 'Settings' },
];

/** How long a notice stays on screen. */
const NOTICE_MS = 6000;

export function App() {
  const [page, setPage] = useState<Page>('search');
  const [notices, setNotices] = useState<Array<{ id: number; text: string }>>([]);
  const [dragging, setDragging] = useState(false);
  const [capabilities, setCapabilities] = useState<Capabilities | null>(null);
  const indexing = useIndexing();
  const { status, error, reload: reloadStatus } = useStatus(indexing.busy);
  const { alerts, reload: reloadAlerts } = useAlerts();
  const stats = useStats();
  // Firing and not yet acknowledged: what the badge counts and the banner shows.
  const calling = alerts.filter((a) => a.state === 'firing' && a.acknowledgedAt === null);

  const notify = useCallback((text: string) => {
    const id = Date.now() + Math.random();
    setNotices((all) => [...all, { id, text }]);
    setTimeout(() => setNotices((all) => all.filter((n) => n.id !== id)), NOTICE_MS);
  }, []);
  useEffect(() => {
    api.capabilities({}).then(setCapabilities, (e: unknown) => notify(errorMessage(e)));
  }, [notify]);
  // The desktop app's main process raises an OS notification; in a browser, a toast does.
  useEffect(() => {
    if (inDesktopApp) return undefined;
    return subscribe('alert', (alert) => {
      if (alert.state === 'firing' && alert.acknowledgedAt === null) notify(`Alert firing: ${alert.rule.name}. ${formatAlertLine(alert)}`);
    });
  }, [notify]);
  const acknowledge = useCallback((id: string) => {
    api.acknowledgeAlert({ id }).then(reloadAlerts, (e: unknown) => notify(errorMessage(e)));
  }, [notify, reloadAlerts]);

  const addFolder = useCallback((path: string) => {
    api.addFolder({ path }).then(
      (folder) => notify(`Added ${folder.name}; indexing started`),
      (e: unknown) => notify(errorMessage(e)),
    );
  }, [notify]);

  const onDrop = (event: React.DragEvent): void => {
    event.preventDefault();
    setDragging(false);
    const { paths, problems } = droppedFolders(event.dataTransfer);
    for (const problem of problems) notify(problem);
    for (const path of paths) addFolder(path);
    if (paths.length > 0) setPage('folders');
  };

  return (
    <div
      className="app"
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <nav className="sidebar" aria-label="Pages">
        <div className="brand">Quarry</div>
        {PAGES.map((p) => (
          <button
            key={p.label}
            className={p.page === page ? 'nav-item active' : 'nav-item'}
            aria-current={p.page === page ? 'page' : undefined}
            onClick={() => setPage(p.page)}
          >
            {p.label}
            {p.page === 'alerts' && calling.length > 0 && <span className="badge" aria-label={`${calling.length} alerts firing`}>{calling.length}</span>}
          </button>
        ))}
        <IndexingSummary indexing={indexing} />
      </nav>
      <main className="content">
        {calling.length > 0 && <FiringAlerts firing={calling} onShow={() => setPage('alerts')} onAcknowledge={acknowledge} />}
        {error && <div className="error-banner" role="alert">{error}</div>}
        {page === 'search' && <SearchPage status={status} canReveal={capabilities?.revealInFolder ?? false} onShowFolders={() => setPage('folders')} notify={notify} />}
        {page === 'folders' && <FoldersPage status={status} indexing={indexing} capabilities={capabilities} addFolder={addFolder} notify={notify} />}
        {page === 'stats' && <StatsPage status={status} stats={stats} notify={notify} />}
        {page === 'trends' && (
          <Suspense fallback={<div className="empty-state">Loading charts…</div>}>
            <TrendsPage notify={notify} />
          </Suspense>
        )}
        {page === 'alerts' && <AlertsPage alerts={alerts} reload={reloadAlerts} acknowledge={acknowledge} notify={notify} />}
        {page === 'settings' && <SettingsPage status={status} reloadStatus={reloadStatus} notify={notify} />}
      </main>
      {dragging && <div className="drop-overlay">Drop folders to add them</div>}
      <div className="notices" role="status" aria-live="polite">
        {notices.map((n) => <div key={n.id} className="notice">{n.text}</div>)}
      </div>
    </div>
  );
}

/** The sidebar's one-line indexing status, like the tray's tooltip. */
function IndexingSummary({ indexing }: { indexing: IndexingView }) {
  const running = indexing.jobs.find((j) => j.state === 'running' || j.state === 'paused');
  const progress = running ? indexing.progress[running.folder] : undefined;
  let text = 'Idle';
  if (indexing.paused) text = 'Paused';
  else if (running && progress && progress.total > 0) {
    text = `${PHASE_VERBS[progress.phase]} ${running.folder} ${formatPercent(progress.done / progress.total)}`;
    if (progress.etaMs !== null) text += ` · ${formatDuration(progress.etaMs)} left`;
  } else if (running) text = `Indexing ${running.folder}`;
  const failed = indexing.jobs.find((j) => j.state === 'failed');
  return (
    <div className="indexing-summary" aria-label="Indexing status">
      <span>{text}</span>
      {failed && <span className="error-text">{failed.folder}: {failed.error}</span>}
    </div>
  );
}

/** The alerts firing now and not yet acknowledged, above every page. */
function FiringAlerts({ firing, onShow, onAcknowledge }: { firing: AlertStatus[]; onShow(): void; onAcknowledge(id: string): void }) {
  const [first] = firing;
  return (
    <div className="alert-banner" role="alert">
      Alert firing: <strong>{first!.rule.name}</strong> ({formatAlertLine(first!)})
      {firing.length > 1 && ` and ${firing.length - 1} more`}
      <button type="button" className="link" onClick={() => onAcknowledge(first!.rule.id)}>Acknowledge</button>
      <button type="button" className="link" onClick={onShow}>Show alerts</button>
    </div>
  );
}
