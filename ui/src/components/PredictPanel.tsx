import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { isImage28, toModelInput } from '../lib/image-input.js';
import { ErrorNote } from './Badges.js';

const SIZE = 280;

/** Draw a 28x28 image (or drop one) and see the class probabilities; other models take JSON rows. */
export function PredictPanel({ modelId, inputShape, classNames }: { modelId: string; inputShape: Array<number | null>; classNames: string[] | null }) {
  const [outputs, setOutputs] = useState<number[][] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const predict = async (inputs: unknown[]) => {
    setError(null);
    try {
      const res = await api<{ outputs: number[][] }>(`/models/${encodeURIComponent(modelId)}/predict`, { method: 'POST', body: { inputs } });
      setOutputs(res.outputs);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div class="predict">
      {isImage28(inputShape) ? <DrawInput inputShape={inputShape} onInput={(x) => predict([x])} /> : <JsonInput inputShape={inputShape} onInput={predict} />}
      <div>
        <ErrorNote error={error} />
        {outputs && <Probabilities values={outputs[0]} classNames={classNames} rows={outputs.length} />}
      </div>
    </div>
  );
}

function Probabilities({ values: raw, classNames, rows }: { values: number[]; classNames: string[] | null; rows: number }) {
  // A binary classifier's one sigmoid output is P(second class).
  const values = raw.length === 1 && classNames?.length === 2 ? [1 - raw[0], raw[0]] : raw;
  const best = values.indexOf(Math.max(...values));
  return (
    <figure class="probabilities" data-outputs={values.length}>
      <figcaption>
        {rows > 1 ? `First of ${rows} outputs` : 'Output'}
        {values.length > 1 ? `: most likely ${classNames?.[best] ?? `class ${best}`}` : ''}
      </figcaption>
      <ul>
        {values.map((p, i) => (
          <li class={i === best ? 'best' : ''} data-probability={p}>
            <span class="class-name">{classNames?.[i] ?? `class ${i}`}</span>
            <span class="bar">
              <span style={{ width: `${Math.max(0, Math.min(1, p)) * 100}%` }} />
            </span>
            <span class="num">{(p * 100).toFixed(1)}%</span>
          </li>
        ))}
      </ul>
    </figure>
  );
}

function DrawInput({ inputShape, onInput }: { inputShape: Array<number | null>; onInput: (sample: unknown) => void }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const drawing = useRef(false);
  const [invert, setInvert] = useState(false);
  const clear = () => {
    const ctx = canvas.current!.getContext('2d')!;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, SIZE, SIZE);
  };
  useEffect(clear, []);
  const at = (e: PointerEvent) => {
    const r = canvas.current!.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * SIZE, ((e.clientY - r.top) / r.height) * SIZE] as const;
  };
  const stroke = (e: PointerEvent, start = false) => {
    const ctx = canvas.current!.getContext('2d')!;
    const [x, y] = at(e);
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 22;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    if (start) {
      ctx.beginPath();
      ctx.moveTo(x, y);
    }
    ctx.lineTo(x, y);
    ctx.stroke();
  };
  // The drawing is scaled down to 28x28 the way MNIST digits were: smoothed, light on dark.
  const sample = (source: CanvasImageSource, invertColours: boolean) => {
    const small = Object.assign(document.createElement('canvas'), { width: 28, height: 28 });
    const ctx = small.getContext('2d')!;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(source, 0, 0, 28, 28);
    return toModelInput(ctx.getImageData(0, 0, 28, 28).data, inputShape, invertColours);
  };
  const loadFile = (file: File | undefined) => {
    if (!file) return;
    const img = new Image();
    img.onload = () => {
      const ctx = canvas.current!.getContext('2d')!;
      clear();
      ctx.drawImage(img, 0, 0, SIZE, SIZE);
      URL.revokeObjectURL(img.src);
      onInput(sample(canvas.current!, invert));
    };
    img.src = URL.createObjectURL(file);
  };
  return (
    <div
      class="draw"
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        e.preventDefault();
        loadFile(e.dataTransfer?.files[0]);
      }}
    >
      <canvas
        ref={canvas}
        width={SIZE}
        height={SIZE}
        class="draw-canvas"
        aria-label="Drawing area: draw with the mouse, a pen or a finger, or drop an image here"
        onPointerDown={(e) => {
          drawing.current = true;
          (e.target as Element).setPointerCapture(e.pointerId);
          stroke(e, true);
        }}
        onPointerMove={(e) => drawing.current && stroke(e)}
        onPointerUp={() => (drawing.current = false)}
      />
      <div class="toolbar">
        <button onClick={() => onInput(sample(canvas.current!, invert))}>Predict</button>
        <button class="secondary" onClick={clear}>
          Clear
        </button>
        <label>
          Image file <input type="file" accept="image/*" onChange={(e) => loadFile((e.target as HTMLInputElement).files?.[0])} />
        </label>
        <label>
          <input type="checkbox" checked={invert} onChange={() => setInvert(!invert)} /> dark ink on light paper
        </label>
      </div>
    </div>
  );
}

function JsonInput({ inputShape, onInput }: { inputShape: Array<number | null>; onInput: (rows: unknown[]) => void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      class="json-input"
      onSubmit={(e) => {
        e.preventDefault();
        try {
          const rows = JSON.parse(text);
          if (!Array.isArray(rows)) throw new Error('give an array of samples: [[...], [...]]');
          setError(null);
          onInput(rows);
        } catch (err) {
          setError((err as Error).message);
        }
      }}
    >
      <label>
        Inputs: one row per sample, each shaped <code>[{inputShape.join(', ')}]</code>
        <textarea rows={5} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} placeholder="[[0, 1], [1, 0]]" />
      </label>
      {error && <p class="error">{error}</p>}
      <button type="submit">Predict</button>
    </form>
  );
}
