import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { colorTable, type ScaleName } from '../lib/colors.js';
import { fmtNumber } from '../lib/format.js';
import { HEATMAP_METRICS, toHeatmapGrid, type DiagnosticsEpoch, type HeatmapMetric } from '../lib/heatmap.js';

const LABEL_WIDTH = 110;

/**
 * Layers (bottom layer at the bottom) x epochs, one cell each, coloured on a colour-blind-safe
 * scale: a vanishing stack shows as a dark bottom band. The cells are painted into an image of
 * one pixel per cell and scaled up, so 1,000 epochs x 100 layers is one drawImage. Arrow keys
 * move a cursor over the cells; its reading is announced.
 */
export function Heatmap({ epochs }: { epochs: DiagnosticsEpoch[] }) {
  const [metric, setMetric] = useState<HeatmapMetric>('gradNorm');
  const [scale, setScale] = useState<ScaleName>('viridis');
  const [cursor, setCursor] = useState<{ layer: number; col: number } | null>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(600);
  const grid = useMemo(() => toHeatmapGrid(epochs, metric), [epochs, metric]);
  const table = useMemo(() => colorTable(scale), [scale]);
  const rowHeight = Math.max(6, Math.min(24, Math.floor(420 / Math.max(1, grid.layers.length))));
  const height = Math.max(60, grid.layers.length * rowHeight);

  useEffect(() => {
    const el = canvas.current!.parentElement!;
    const resize = new ResizeObserver(() => setWidth(Math.max(200, el.clientWidth)));
    resize.observe(el);
    return () => resize.disconnect();
  }, []);

  useEffect(() => {
    const c = canvas.current!;
    const dpr = devicePixelRatio || 1;
    c.width = width * dpr;
    c.height = height * dpr;
    const ctx = c.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const { layers, epochs: cols, values, min, max } = grid;
    if (!layers.length || !cols.length) return;
    const image = new ImageData(cols.length, layers.length);
    const span = max - min || 1;
    for (let l = 0; l < layers.length; l++) {
      const row = layers.length - 1 - l; // bottom layer drawn at the bottom
      for (let e = 0; e < cols.length; e++) {
        const v = values[l * cols.length + e];
        const at = (row * cols.length + e) * 4;
        if (Number.isNaN(v)) {
          image.data.set([200, 200, 200, 255], at);
          continue;
        }
        const t = Math.round(((v - min) / span) * 255) * 3;
        image.data.set([table[t], table[t + 1], table[t + 2], 255], at);
      }
    }
    const bitmap = document.createElement('canvas');
    bitmap.width = cols.length;
    bitmap.height = layers.length;
    bitmap.getContext('2d')!.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(bitmap, LABEL_WIDTH, 0, width - LABEL_WIDTH, height);
    ctx.fillStyle = '#222';
    ctx.font = '11px sans-serif';
    ctx.textBaseline = 'middle';
    if (rowHeight >= 10) {
      layers.forEach((name, l) => ctx.fillText(name.slice(0, 16), 2, (layers.length - 1 - l + 0.5) * rowHeight));
    }
    if (cursor) {
      const cw = (width - LABEL_WIDTH) / cols.length;
      ctx.strokeStyle = '#d00';
      ctx.lineWidth = 2;
      ctx.strokeRect(LABEL_WIDTH + cursor.col * cw, (layers.length - 1 - cursor.layer) * rowHeight, Math.max(2, cw), rowHeight);
    }
  }, [grid, table, width, height, rowHeight, cursor]);

  const cellAt = (ev: MouseEvent) => {
    const rect = canvas.current!.getBoundingClientRect();
    const x = ev.clientX - rect.left - LABEL_WIDTH;
    if (x < 0 || !grid.epochs.length) return null;
    const col = Math.min(grid.epochs.length - 1, Math.floor((x / (rect.width - LABEL_WIDTH)) * grid.epochs.length));
    const layer = grid.layers.length - 1 - Math.floor((ev.clientY - rect.top) / rowHeight);
    return layer >= 0 && layer < grid.layers.length ? { layer, col } : null;
  };
  const onKey = (ev: KeyboardEvent) => {
    const moves: Record<string, [number, number]> = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [1, 0], ArrowDown: [-1, 0] };
    const move = moves[ev.key];
    if (!move || !grid.layers.length || !grid.epochs.length) return;
    ev.preventDefault();
    const at = cursor ?? { layer: 0, col: grid.epochs.length - 1 };
    setCursor({
      layer: Math.max(0, Math.min(grid.layers.length - 1, at.layer + move[0])),
      col: Math.max(0, Math.min(grid.epochs.length - 1, at.col + move[1])),
    });
  };
  const reading =
    cursor && grid.layers[cursor.layer] !== undefined
      ? `${grid.layers[cursor.layer]}, epoch ${grid.epochs[cursor.col]}: ${fmtNumber(grid.values[cursor.layer * grid.epochs.length + cursor.col], 3)}`
      : 'Hover a cell, or focus the map and use the arrow keys.';

  return (
    <section class="heatmap" aria-label="Gradient heat-map" data-epochs={grid.epochs.length} data-layers={grid.layers.length}>
      <div class="toolbar">
        <label>
          Colour{' '}
          <select value={metric} onChange={(e) => setMetric((e.target as HTMLSelectElement).value as HeatmapMetric)}>
            {Object.entries(HEATMAP_METRICS).map(([k, m]) => (
              <option value={k}>{m.label}</option>
            ))}
          </select>
        </label>
        <label>
          Scale{' '}
          <select value={scale} onChange={(e) => setScale((e.target as HTMLSelectElement).value as ScaleName)}>
            <option value="viridis">viridis</option>
            <option value="cividis">cividis</option>
          </select>
        </label>
        <Legend table={table} min={grid.min} max={grid.max} label={HEATMAP_METRICS[metric].label} />
      </div>
      <div class="heatmap-canvas">
        <canvas
          ref={canvas}
          tabIndex={0}
          role="img"
          aria-label={`${HEATMAP_METRICS[metric].label} for ${grid.layers.length} layers over ${grid.epochs.length} epochs`}
          style={{ width: `${width}px`, height: `${height}px` }}
          onMouseMove={(e) => setCursor(cellAt(e))}
          onMouseLeave={() => setCursor(null)}
          onKeyDown={onKey}
        />
      </div>
      <p class="muted" aria-live="polite">
        {grid.epochs.length ? reading : 'No diagnostics yet: they arrive with the first epoch.'}
      </p>
    </section>
  );
}

function Legend({ table, min, max, label }: { table: Uint8ClampedArray; min: number; max: number; label: string }) {
  const stops = [0, 64, 128, 192, 255].map((i) => `rgb(${table[i * 3]},${table[i * 3 + 1]},${table[i * 3 + 2]}) ${(i / 255) * 100}%`);
  return (
    <span class="legend" aria-label={`${label} from ${fmtNumber(min, 2)} (dark) to ${fmtNumber(max, 2)} (light)`}>
      <span>{fmtNumber(min, 2)}</span>
      <span class="legend-bar" style={{ background: `linear-gradient(to right, ${stops.join(', ')})` }} />
      <span>{fmtNumber(max, 2)}</span>
    </span>
  );
}
