/**
 * Summaries of a V8 CPU profile (.cpuprofile, as `node --cpu-prof` or the inspector writes it):
 * self time by package and by function, and inclusive time by function. Pure: no I/O.
 * `tsx bench/profile-summary.ts <file.cpuprofile>` prints one.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Where a frame's code lives: a package, a file of ours, Node itself, or V8's pseudo-frames. */
export function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const src = url.indexOf('/src/');
  if (src >= 0) {
    const rest = url.slice(src + 1);
    return rest.startsWith('src/generated/prisma') ? 'src/generated/prisma' : rest.replace(/^file:\/\//, '');
  }
  return url
    .replace(/^file:\/\//, '')
    .split('/')
    .slice(-2)
    .join('/');
}

function frameKey(frame: CpuProfile['nodes'][number]['callFrame']): string {
  return `${frame.functionName || '(anonymous)'} ${packageOf(frame.url, frame.functionName)}:${frame.lineNumber + 1}`;
}

export interface ProfileSummary {
  totalMs: number;
  byPackage: Array<[string, number]>;
  selfByFunction: Array<[string, number]>;
  inclusiveByFunction: Array<[string, number]>;
}

export function profileSummary(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfNode = new Map<number, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    totalUs += dt;
    selfNode.set(id, (selfNode.get(id) ?? 0) + dt);
  });
  const byPackage = new Map<string, number>();
  const selfByFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfNode) {
    const node = byId.get(id)!;
    const pkg = packageOf(node.callFrame.url, node.callFrame.functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
    const key = frameKey(node.callFrame);
    selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + us);
    // Every function on the stack of these samples, each once (recursion counted once).
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const k = frameKey(byId.get(at)!.callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  const sorted = (m: Map<string, number>) => [...m].map(([k, us]) => [k, us / 1000] as [string, number]).sort((a, b) => b[1] - a[1]);
  return { totalMs: totalUs / 1000, byPackage: sorted(byPackage), selfByFunction: sorted(selfByFunction), inclusiveByFunction: sorted(inclusive) };
}

/** A text report: the top `n` rows of each view, as milliseconds and shares of the profile. */
export function summarizeProfile(profile: CpuProfile, n = 20): string {
  const s = profileSummary(profile);
  const pct = (ms: number) => `${((100 * ms) / s.totalMs).toFixed(1)}%`.padStart(6);
  const rows = (list: Array<[string, number]>) =>
    list
      .slice(0, n)
      .map(([k, ms]) => `${pct(ms)} ${ms.toFixed(0).padStart(7)} ms  ${k}`)
      .join('\n');
  return [
    `profile: ${s.totalMs.toFixed(0)} ms of samples`,
    '',
    'self time by package / file:',
    rows(s.byPackage),
    '',
    'self time by function:',
    rows(s.selfByFunction),
    '',
    'inclusive time by function (the function and what it calls):',
    rows(s.inclusiveByFunction.filter(([k]) => !k.startsWith('(root)'))),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [rows]');
    process.exit(2);
  }
  console.log(summarizeProfile(JSON.parse(await readFile(file, 'utf8')) as CpuProfile, Number(process.argv[3] ?? 25)));
}
