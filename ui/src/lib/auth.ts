/**
 * The API key, kept for this browser session only (sessionStorage: gone when the tab closes,
 * never written to disk by us). When the API answers 401, requests wait for the key prompt.
 */
const STORAGE_KEY = 'training-dashboard.api-key';

type Listener = () => void;
const listeners = new Set<Listener>();
let waiting: Array<(key: string) => void> = [];
let prompting = false;
let promptReason = '';

export function getApiKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function authHeaders(): Record<string, string> {
  const key = getApiKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** Whether the key prompt should show, and why. */
export function keyPromptState(): { open: boolean; reason: string } {
  return { open: prompting, reason: promptReason };
}

export function onAuthChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const notify = () => listeners.forEach((l) => l());

/** Resolves with a key once the user has entered one (shared by every request that got a 401). */
export function askForKey(reason: string): Promise<string> {
  prompting = true;
  promptReason = reason;
  notify();
  return new Promise((resolve) => waiting.push(resolve));
}

export function provideKey(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
  prompting = false;
  const resolvers = waiting;
  waiting = [];
  notify();
  resolvers.forEach((r) => r(key));
}

export function forgetKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
  notify();
}
