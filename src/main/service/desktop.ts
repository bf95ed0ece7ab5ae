import { QuarryError } from '../../shared/errors.js';

/** What only a desktop shell can do; browser mode has none of it. */
export interface DesktopHooks {
  pickFolder(): Promise<string | null>;
  revealInFolder(file: string): void;
  /** Opens a file with the system's default application. */
  openPath(file: string): Promise<void>;
}

/** The desktop hooks `what` needs, or the error browser mode answers it with. */
export function requireDesktop(desktop: DesktopHooks | null, what: string): DesktopHooks {
  if (!desktop) throw new QuarryError('UNSUPPORTED', `${what} needs the desktop app; browser mode cannot do it`);
  return desktop;
}
