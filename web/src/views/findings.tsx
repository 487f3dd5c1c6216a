/** Findings: the filtered list, and one finding with evidence, caveats and annotations. */
import { useState } from 'preact/hooks';
import {
  ApiError,
  apiUrl,
  postJSON,
  type Annotation,
  type FindingDetail,
  type FindingSummary,
  type Page,
  type ResolvedEvidence,
} from '../api';
import { href, navigate } from '../router';
import { Data, Empty, ErrorBox, fmtTime, PageTitle, Pager, Sev, Show, StatusBadge, T, useApi } from '../ui';

const CHANNELS = ['coordination', 'narratives', 'leaks', 'infrastructure', 'ingest', 'cross-channel'];
const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'];
const STATUSES = ['unreviewed', 'confirmed', 'dismissed', 'note'];
const LIMIT = 50;

export function detectorName(d: FindingSummary['detector']): string {
  return typeof d === 'string' ? d : `${d?.name ?? '?'} ${d?.version ?? ''}`.trim();
}

export function FindingsTable({ items }: { items: FindingSummary[] }) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">severity</th>
          <th scope="col" class="num">
            confidence
          </th>
          <th scope="col">channel</th>
          <th scope="col">finding</th>
          <th scope="col">detector</th>
          <th scope="col">status</th>
          <th scope="col">created</th>
        </tr>
      </thead>
      <tbody>
        {items.map((f) => (
          <tr key={f.id}>
            <td>
              <Sev s={f.severity} />
            </td>
            <td class="num">{f.confidence.toFixed(2)}</td>
            <td>{f.channel}</td>
            <td>
              <a href={href(['findings', f.id])}>
                <T>{f.title}</T>
              </a>
              <div class="sub">
                <T>{f.summary}</T>
              </div>
            </td>
            <td>{detectorName(f.detector)}</td>
            <td>
              <StatusBadge status={f.annotation?.status} />
            </td>
            <td class="nowrap">{fmtTime(f.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function FindingsView({ query }: { query: URLSearchParams }) {
  const f = {
    channel: query.get('channel') ?? '',
    detector: query.get('detector') ?? '',
    severity: query.get('severity') ?? '',
    status: query.get('status') ?? '',
    q: query.get('q') ?? '',
  };
  const offset = Math.max(0, Number(query.get('offset') ?? 0) || 0);
  const r = useApi<Page<FindingSummary>>(apiUrl('findings', { ...f, limit: LIMIT, offset }));
  const set = (patch: Record<string, string | number>) =>
    navigate(href(['findings'], { ...f, offset, ...patch }));
  const [q, setQ] = useState(f.q);
  return (
    <>
      <PageTitle>Findings</PageTitle>
      <form
        class="filters"
        role="search"
        aria-label="Filter findings"
        onSubmit={(e) => {
          e.preventDefault();
          set({ q, offset: 0 });
        }}
      >
        <Choice
          label="Channel"
          value={f.channel}
          options={CHANNELS}
          empty="all"
          onChange={(v) => set({ channel: v, offset: 0 })}
        />
        <label>
          Detector
          <input
            value={f.detector}
            placeholder="e.g. coordination"
            size={14}
            onChange={(e) => set({ detector: e.currentTarget.value.trim(), offset: 0 })}
          />
        </label>
        <Choice
          label="Minimum severity"
          value={f.severity}
          options={SEVERITIES}
          empty="any"
          onChange={(v) => set({ severity: v, offset: 0 })}
        />
        <Choice
          label="Status"
          value={f.status}
          options={STATUSES}
          empty="any"
          onChange={(v) => set({ status: v, offset: 0 })}
        />
        <label>
          Text
          <input
            type="search"
            value={q}
            onInput={(e) => setQ(e.currentTarget.value)}
            placeholder="title or summary"
          />
        </label>
        <button type="submit">Apply</button>
      </form>
      <Show r={r} what="findings">
        {(p) =>
          p.items.length === 0 ? (
            <Empty>
              {Object.values(f).some(Boolean)
                ? 'No finding matches these filters.'
                : 'No findings in this workspace yet: run `vigie detect` (or a channel command) first.'}
            </Empty>
          ) : (
            <>
              <p class="muted">{p.total} findings</p>
              <FindingsTable items={p.items} />
              <Pager total={p.total} limit={p.limit} offset={p.offset} go={(o) => set({ offset: o })} />
            </>
          )
        }
      </Show>
    </>
  );
}

/** Where a piece of evidence can be opened in the dashboard, if anywhere. */
function evidenceLink(e: ResolvedEvidence): string | null {
  const m = /^([^:]+):(.+)$/.exec(e.key);
  if (e.table === 'posts' && m) return href(['posts', m[1]!, m[2]!]);
  if (e.table === 'accounts') return href(['accounts', e.key]);
  if (e.table === 'leak_messages') return href(['leaks', e.key]);
  return null;
}

function EvidenceRow({ e }: { e: ResolvedEvidence }) {
  const link = evidenceLink(e);
  const row = e.row;
  return (
    <li class="evidence">
      <div>
        <span class="tag">{e.table}</span>{' '}
        {link ? (
          <a href={link}>
            <T>{e.key}</T>
          </a>
        ) : (
          <code>
            <T>{e.key}</T>
          </code>
        )}
        {e.role && (
          <span class="muted">
            {' '}
            — <T>{e.role}</T>
          </span>
        )}
        {e.note && (
          <span>
            {' '}
            <T>{e.note}</T>
          </span>
        )}
      </div>
      {row === null ? (
        <div class="muted">row not found in the workspace (removed since the finding was made?)</div>
      ) : e.table === 'posts' ? (
        <blockquote class="post-text">
          <T>{row.text}</T>
          <footer>
            {fmtTime(row.time)} · <T>{row.accountKey ?? row.accountId}</T>
          </footer>
        </blockquote>
      ) : e.table === 'attack_lines' ? (
        <pre class="raw">
          <T>{row.raw}</T>
        </pre>
      ) : (
        <details>
          <summary>row</summary>
          <Data value={row} />
        </details>
      )}
      {e.contentHash && <div class="hash">sha256 at finding time: {e.contentHash}</div>}
    </li>
  );
}

export function FindingView({ id }: { id: string }) {
  const r = useApi<FindingDetail>(apiUrl(`findings/${encodeURIComponent(id)}`));
  return (
    <Show r={r} what="the finding">
      {(f) => <FindingBody f={f} reload={r.reload} />}
    </Show>
  );
}

function FindingBody({ f, reload }: { f: FindingDetail; reload: () => void }) {
  const ev = f.resolvedEvidence ?? f.evidence.map((e) => ({ ...e, row: null }));
  const isCluster = f.detector.name === 'coordination' && f.kind === 'cluster';
  return (
    <>
      <PageTitle>
        <T>{f.title}</T>
      </PageTitle>
      <p class="lead">
        <Sev s={f.severity} /> {f.channel} · {f.kind} · <StatusBadge status={f.annotation?.status} /> ·
        created {fmtTime(f.createdAt)}
        {isCluster && (
          <>
            {' '}
            · <a href={href(['clusters', f.id])}>open the network</a>
          </>
        )}
      </p>
      <p>
        <T>{f.summary}</T>
      </p>
      <section aria-labelledby="conf-h">
        <h2 id="conf-h">Confidence</h2>
        <p>
          <strong>{f.confidence.toFixed(2)}</strong> — <T>{f.confidenceMethod}</T>
        </p>
        <p class="muted">
          Detector {f.detector.name} {f.detector.version}
          {f.techniques.length > 0 && <> · techniques {f.techniques.join(', ')}</>}
        </p>
      </section>
      <section aria-labelledby="cav-h">
        <h2 id="cav-h">Caveats: what this does not prove</h2>
        <ul>
          {f.caveats.map((c, i) => (
            <li key={i}>
              <T>{c}</T>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="ev-h">
        <h2 id="ev-h">Evidence ({ev.length})</h2>
        {ev.length === 0 ? (
          <Empty>This finding lists no evidence rows.</Empty>
        ) : (
          <ol class="evidence-list">
            {ev.slice(0, 200).map((e, i) => (
              <EvidenceRow key={`${e.table}:${e.key}:${i}`} e={e} />
            ))}
          </ol>
        )}
        {ev.length > 200 && <p class="muted">… and {ev.length - 200} more (see `vigie findings --json`).</p>}
      </section>
      <Annotations findingId={f.id} items={f.annotations ?? []} onSaved={reload} />
      {f.details && (
        <section aria-labelledby="det-h">
          <h2 id="det-h">Details</h2>
          <details>
            <summary>detector details</summary>
            <Data value={f.details} />
          </details>
        </section>
      )}
    </>
  );
}

const AUTHOR = 'vigie.author';

function Annotations({
  findingId,
  items,
  onSaved,
}: {
  findingId: string;
  items: Annotation[];
  onSaved: () => void;
}) {
  const [status, setStatus] = useState<Annotation['status']>('confirmed');
  const [note, setNote] = useState('');
  const [author, setAuthor] = useState(() => {
    try {
      return localStorage.getItem(AUTHOR) ?? '';
    } catch {
      return '';
    }
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [saved, setSaved] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      await postJSON(apiUrl(`findings/${encodeURIComponent(findingId)}/annotations`), {
        status,
        note,
        author: author.trim(),
      });
      try {
        localStorage.setItem(AUTHOR, author.trim());
      } catch {
        // No storage: the name is asked again next time.
      }
      setNote('');
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err instanceof Error ? err : new ApiError(0, 'error', String(err)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="ann-h">
      <h2 id="ann-h">Review</h2>
      {items.length === 0 ? (
        <p class="muted">Not reviewed yet.</p>
      ) : (
        <ol class="annotations">
          {items.map((a) => (
            <li key={a.id}>
              <StatusBadge status={a.status} /> by <T class="author">{a.author}</T> on {fmtTime(a.createdAt)}
              {a.note && (
                <p class="note">
                  <T>{a.note}</T>
                </p>
              )}
            </li>
          ))}
        </ol>
      )}
      <form class="annotate" onSubmit={submit} aria-label="Annotate this finding">
        <fieldset>
          <legend>Mark this finding</legend>
          {(['confirmed', 'dismissed', 'note'] as const).map((s) => (
            <label key={s} class="inline">
              <input
                type="radio"
                name="status"
                value={s}
                checked={status === s}
                onChange={() => setStatus(s)}
              />{' '}
              {s === 'note' ? 'note only' : s}
            </label>
          ))}
        </fieldset>
        <label>
          Note
          <textarea
            name="note"
            rows={3}
            maxLength={4000}
            value={note}
            onInput={(e) => setNote(e.currentTarget.value)}
          />
        </label>
        <label>
          Your name
          <input
            name="author"
            required
            maxLength={200}
            value={author}
            onInput={(e) => setAuthor(e.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={busy || !author.trim()}>
          {busy ? 'Saving…' : 'Save review'}
        </button>
        {saved && (
          <span role="status" class="ok">
            {' '}
            Saved.
          </span>
        )}
        {error && <ErrorBox error={error} />}
      </form>
    </section>
  );
}

/** A labelled drop-down of fixed options, with an empty first option meaning "no filter". */
function Choice(p: {
  label: string;
  value: string;
  options: readonly string[];
  empty: string;
  onChange: (v: string) => void;
}) {
  return (
    <label>
      {p.label}
      <select value={p.value} onChange={(e) => p.onChange(e.currentTarget.value)}>
        <option value="">{p.empty}</option>
        {p.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}
