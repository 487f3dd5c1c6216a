/** Small shared pieces: data loading, states, safe text, tables, pagination. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, getJSON } from './api';

export interface Loaded<T> {
  data: T | null;
  error: Error | null;
  loading: boolean;
  reload: () => void;
}

/** GET `url` (null: nothing to load), re-fetched when the url changes; stale answers are dropped. */
export function useApi<T>(url: string | null): Loaded<T> {
  // The state remembers which address it belongs to: on the render where the address changes
  // (before the effect below runs), the previous address's data must not be shown as this one's.
  const [state, setState] = useState<{
    url: string | null;
    data: T | null;
    error: Error | null;
    loading: boolean;
  }>({ url, data: null, error: null, loading: url !== null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (url === null) {
      setState({ url, data: null, error: null, loading: false });
      return;
    }
    const ac = new AbortController();
    // A reload of the same address keeps showing the old data until the new arrives (no flash
    // after saving an annotation); another address never shows the previous one's data.
    setState((s) => ({ url, data: s.url === url ? s.data : null, error: null, loading: true }));
    getJSON<T>(url, ac.signal).then(
      (data) => setState({ url, data, error: null, loading: false }),
      (error: Error) => {
        if (!ac.signal.aborted) setState({ url, data: null, error, loading: false });
      },
    );
    return () => ac.abort();
  }, [url, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  if (state.url !== url) return { data: null, error: null, loading: url !== null, reload };
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

// Bidi embedding/override/isolate marks and zero-width characters: adversaries use them to make
// text read differently than it is stored (e.g. `gpj.exe` shown as `exe.jpg`). They are shown
// as visible markers instead of being obeyed.
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** Adversary-written text made visible: control marks spelled out; rendered as a text node only. */
export function reveal(s: unknown): string {
  if (s === null || s === undefined) return '';
  return String(s).replace(
    INVISIBLE,
    (c) => `[U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}]`,
  );
}

/**
 * Adversary-written text. Preact puts it in a text node (never parsed as HTML); `<bdi>` keeps
 * right-to-left text from reordering the surrounding interface.
 */
export function T({ children, class: cls }: { children: unknown; class?: string }) {
  return <bdi class={cls ? `adv ${cls}` : 'adv'}>{reveal(children)}</bdi>;
}

/** A link to an external URL only when it is plain http(s); anything else is shown as text. */
export function ExtUrl({ url }: { url: string }) {
  let ok = false;
  try {
    const u = new URL(url);
    ok = u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    ok = false;
  }
  // Even a safe URL is shown as text: opening it from the analyst's browser would tell the
  // adversary's server that someone is looking. Copying it is a deliberate act.
  return (
    <code class={ok ? 'url' : 'url bad'} title={ok ? 'URL (not opened from here)' : 'not an http(s) URL'}>
      {reveal(url)}
    </code>
  );
}

export function Loading({ what = 'data' }: { what?: string }) {
  return (
    <p class="state loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function ErrorBox({ error, retry }: { error: Error; retry?: () => void }) {
  const code = error instanceof ApiError ? `${error.status} ${error.code}` : 'network error';
  return (
    <div class="state error" role="alert">
      <strong>Could not load: </strong>
      <span>{code}</span> — <T>{error.message}</T>{' '}
      {retry && (
        <button type="button" onClick={retry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="state empty">{children}</p>;
}

/** Loading / error / content for one `useApi` result. */
export function Show<T>({
  r,
  what,
  children,
}: {
  r: Loaded<T>;
  what?: string;
  children: (d: T) => ComponentChildren;
}) {
  if (r.error) return <ErrorBox error={r.error} retry={r.reload} />;
  if (r.data === null) return <Loading what={what} />;
  return <>{children(r.data)}</>;
}

export function Sev({ s }: { s: string }) {
  return <span class={`sev sev-${/^[a-z]+$/.test(s) ? s : 'unknown'}`}>{s}</span>;
}

export function StatusBadge({ status }: { status?: string | null }) {
  const s = status ?? 'unreviewed';
  return <span class={`status status-${/^[a-z]+$/.test(s) ? s : 'unknown'}`}>{s}</span>;
}

export function fmtTime(t: unknown): string {
  if (t === null || t === undefined || t === '') return '—';
  const d = typeof t === 'number' ? new Date(t) : new Date(String(t));
  if (Number.isNaN(d.getTime())) return String(t);
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}

export function fmtNum(n: unknown): string {
  return typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString('en-US') : '—';
}

export function fmtSeconds(s: unknown): string {
  if (typeof s !== 'number' || !Number.isFinite(s)) return '—';
  const a = Math.abs(s);
  if (a < 120) return `${s.toFixed(a < 10 ? 1 : 0)} s`;
  if (a < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

export function Pager({
  total,
  limit,
  offset,
  go,
}: {
  total: number;
  limit: number;
  offset: number;
  go: (offset: number) => void;
}) {
  if (total <= limit && offset === 0) return null;
  const last = Math.max(0, Math.floor((total - 1) / limit) * limit);
  return (
    <nav class="pager" aria-label="Pagination">
      <button type="button" disabled={offset <= 0} onClick={() => go(0)}>
        « First
      </button>
      <button type="button" disabled={offset <= 0} onClick={() => go(Math.max(0, offset - limit))}>
        ‹ Previous
      </button>
      <span>
        {fmtNum(total === 0 ? 0 : offset + 1)}–{fmtNum(Math.min(total, offset + limit))} of {fmtNum(total)}
      </span>
      <button type="button" disabled={offset + limit >= total} onClick={() => go(offset + limit)}>
        Next ›
      </button>
      <button type="button" disabled={offset >= last} onClick={() => go(last)}>
        Last »
      </button>
    </nav>
  );
}

/** Any JSON value as a readable, escaped tree (details of findings, signals, unknown rows). */
export function Data({ value, depth = 0 }: { value: unknown; depth?: number }) {
  if (value === null || value === undefined) return <span class="muted">—</span>;
  if (typeof value !== 'object') return <T>{String(value)}</T>;
  if (depth > 4) return <code>…</code>;
  if (Array.isArray(value)) {
    if (value.length === 0) return <span class="muted">none</span>;
    if (value.every((v) => v === null || typeof v !== 'object'))
      return (
        <T>
          {value.slice(0, 50).map(String).join(', ') +
            (value.length > 50 ? ` … (+${value.length - 50})` : '')}
        </T>
      );
    return (
      <ol class="data-list">
        {value.slice(0, 50).map((v, i) => (
          <li key={i}>
            <Data value={v} depth={depth + 1} />
          </li>
        ))}
        {value.length > 50 && <li class="muted">… {value.length - 50} more</li>}
      </ol>
    );
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return <span class="muted">—</span>;
  return (
    <dl class="kv">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>
            <T>{k}</T>
          </dt>
          <dd>
            <Data value={v} depth={depth + 1} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

export function PageTitle({ children }: { children: ComponentChildren }) {
  useEffect(() => {
    const h = document.querySelector('main h1');
    document.title = `${h?.textContent ?? 'vigie'} — vigie`;
  });
  return <h1 tabIndex={-1}>{children}</h1>;
}
