import { pathForFile } from '../api';

export interface DroppedItems {
  /** Absolute paths to add. */
  paths: string[];
  /** Messages for what was dropped but cannot be added. */
  problems: string[];
}

/**
 * The folders in a drop. The desktop app knows every dropped item's path; a browser only sees
 * paths when the drag carries file:// URIs (file managers send them as text/uri-list).
 */
export function droppedFolders(data: DataTransfer): DroppedItems {
  const paths: string[] = [];
  const problems: string[] = [];
  for (const item of Array.from(data.items)) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry();
    const file = item.getAsFile();
    const name = entry?.name ?? file?.name ?? 'item';
    if (entry && !entry.isDirectory) {
      problems.push(`${name} is a file: drop folders to add them`);
      continue;
    }
    const absolute = file ? pathForFile(file) : null;
    if (absolute) paths.push(absolute);
    else if (!data.types.includes('text/uri-list')) {
      problems.push(`The browser does not reveal where ${name} is: paste its path into "Add folder" instead`);
    }
  }
  for (const uri of (data.getData('text/uri-list') || '').split(/\r?\n/)) {
    if (!uri.startsWith('file://')) continue;
    const absolute = decodeURIComponent(new URL(uri).pathname);
    if (!paths.includes(absolute)) paths.push(absolute);
  }
  if (paths.length === 0 && problems.length === 0) problems.push('Nothing in that drop is a folder');
  return { paths, problems };
}
