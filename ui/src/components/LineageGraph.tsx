import { layoutLineage, type LineageNode } from '../lib/lineage.js';
import { href } from '../lib/router.js';

const W = 170;
const H = 44;
const GAP_X = 50;
const GAP_Y = 14;

/** Base models to the left, derived models to the right; every node links to its model. */
export function LineageGraph({ currentId, ancestors, known }: { currentId: string; ancestors: LineageNode[]; known: LineageNode[] }) {
  const { nodes, edges } = layoutLineage(currentId, ancestors, known);
  const minGen = Math.min(0, ...nodes.map((n) => n.generation));
  const maxGen = Math.max(0, ...nodes.map((n) => n.generation));
  const rows = Math.max(1, ...nodes.map((n) => n.row + 1));
  const pos = (n: { generation: number; row: number }) => ({ x: (n.generation - minGen) * (W + GAP_X) + 4, y: n.row * (H + GAP_Y) + 4 });
  const byId = new Map(nodes.map((n) => [n.id, n]));
  return (
    <svg
      class="lineage"
      role="group"
      aria-label="Model lineage: base models to the left, derived models to the right"
      width={(maxGen - minGen + 1) * (W + GAP_X)}
      height={rows * (H + GAP_Y) + 8}
    >
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" fill="#555" />
        </marker>
      </defs>
      {edges.map(([from, to]) => {
        const a = pos(byId.get(from)!);
        const b = pos(byId.get(to)!);
        return <line x1={a.x + W} y1={a.y + H / 2} x2={b.x} y2={b.y + H / 2} stroke="#555" stroke-width="1.5" marker-end="url(#arrow)" />;
      })}
      {nodes.map((n) => {
        const p = pos(n);
        return (
          <a href={href('models', n.id)} data-lineage-node={n.id} aria-current={n.current ? 'page' : undefined}>
            <rect x={p.x} y={p.y} width={W} height={H} rx="6" class={n.current ? 'node current' : 'node'} />
            <text x={p.x + 8} y={p.y + 18}>
              {n.label.slice(0, 22)}
            </text>
            <text x={p.x + 8} y={p.y + 34} class="node-sub">
              {n.current ? 'this model' : n.generation < 0 ? 'base' : 'derived'}
            </text>
          </a>
        );
      })}
    </svg>
  );
}
