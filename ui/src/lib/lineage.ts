/** A model as the lineage graph needs it. */
export interface LineageNode {
  id: string;
  label: string;
  baseModelId: string | null;
}

export interface PlacedNode extends LineageNode {
  generation: number;
  row: number;
  current: boolean;
}

/**
 * Lays out the family of `currentId`: its ancestors (base of base ...) in the columns to the left,
 * its descendants (models built on it, and on those) to the right, one row per sibling.
 */
export function layoutLineage(currentId: string, ancestors: LineageNode[], known: LineageNode[]): { nodes: PlacedNode[]; edges: Array<[string, string]> } {
  const nodes: PlacedNode[] = [];
  const byId = new Map<string, PlacedNode>();
  const add = (n: LineageNode, generation: number) => {
    if (byId.has(n.id)) return;
    const row = nodes.filter((m) => m.generation === generation).length;
    const placed = { ...n, generation, row, current: n.id === currentId };
    nodes.push(placed);
    byId.set(n.id, placed);
  };
  // ancestors[0] is the direct base.
  ancestors.forEach((a, i) => add(a, -(i + 1)));
  const current = known.find((n) => n.id === currentId);
  if (current) add(current, 0);
  let frontier = [currentId];
  for (let g = 1; frontier.length && g < 20; g++) {
    const children = known.filter((n) => n.baseModelId !== null && frontier.includes(n.baseModelId) && !byId.has(n.id));
    children.forEach((c) => add(c, g));
    frontier = children.map((c) => c.id);
  }
  const edges = nodes.filter((n) => n.baseModelId && byId.has(n.baseModelId)).map((n) => [n.baseModelId!, n.id] as [string, string]);
  return { nodes, edges };
}
