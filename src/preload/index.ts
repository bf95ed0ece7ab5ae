import { contextBridge } from 'electron';

// The typed API (one function per contract method) is exposed here by the desktop-app issue.
// Until then the renderer learns only which shell it runs in.
contextBridge.exposeInMainWorld('quarryShell', { kind: 'electron' });
