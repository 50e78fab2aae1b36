import { useEffect, useRef, useState } from 'preact/hooks';
import { keyPromptState, onAuthChange, provideKey } from '../lib/auth.js';

/** Asks for an API key when the API answered 401; the key is kept for this tab only. */
export function KeyPrompt() {
  const [state, setState] = useState(keyPromptState());
  const [value, setValue] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => onAuthChange(() => setState(keyPromptState())), []);
  useEffect(() => {
    if (state.open) input.current?.focus();
  }, [state.open]);
  if (!state.open) return null;
  return (
    <div class="modal-backdrop">
      <form
        class="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby="key-title"
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) provideKey(value.trim());
          setValue('');
        }}
      >
        <h2 id="key-title">API key</h2>
        <p>{state.reason}</p>
        <label>
          Key <input ref={input} type="password" autoComplete="off" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
        </label>
        <p class="muted">
          Kept only for this browser tab (sessionStorage) and sent as <code>Authorization: Bearer</code>.
        </p>
        <button type="submit">Use this key</button>
      </form>
    </div>
  );
}
