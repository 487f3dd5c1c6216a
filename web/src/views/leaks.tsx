/** Hack-and-leak: the sortable verdict table, and one message's proof. */
import { apiUrl, type LeakRow, type Page } from '../api';
import { href, navigate } from '../router';
import { Data, Empty, fmtNum, fmtTime, PageTitle, Pager, Show, T, useApi } from '../ui';

const COLUMNS: [string, string][] = [
  ['date', 'date'],
  ['from', 'from'],
  ['subject', 'subject'],
  ['verdict', 'verdict'],
  ['size', 'size'],
];

export function LeaksView({ query }: { query: URLSearchParams }) {
  const verdict = query.get('verdict') ?? '';
  const sort = query.get('sort') ?? 'date';
  const order = query.get('order') === 'asc' ? 'asc' : 'desc';
  const offset = Math.max(0, Number(query.get('offset') ?? 0) || 0);
  const r = useApi<Page<LeakRow> & { verdicts?: Record<string, number> }>(
    apiUrl('leaks', { verdict, sort, order, limit: 50, offset }),
  );
  const go = (patch: Record<string, string | number>) =>
    navigate(href(['leaks'], { verdict, sort, order, offset, ...patch }));
  return (
    <>
      <PageTitle>Leaked messages</PageTitle>
      <Show r={r} what="leaked messages">
        {(p) => {
          const verdicts = Object.entries(p.verdicts ?? {});
          if (p.total === 0 && !verdict)
            return <Empty>No leaked mail in this workspace: `vigie leaks ingest` a dump first.</Empty>;
          return (
            <>
              {verdicts.length > 0 && (
                <p class="chips" aria-label="Filter by verdict">
                  <a
                    href={href(['leaks'], { sort, order })}
                    aria-current={verdict === '' ? 'true' : undefined}
                  >
                    all
                  </a>
                  {verdicts.map(([v, n]) => (
                    <a
                      key={v}
                      href={href(['leaks'], { verdict: v, sort, order })}
                      aria-current={verdict === v ? 'true' : undefined}
                    >
                      {v} ({fmtNum(n)})
                    </a>
                  ))}
                </p>
              )}
              {p.items.length === 0 ? (
                <Empty>No message has this verdict.</Empty>
              ) : (
                <table class="sortable">
                  <thead>
                    <tr>
                      {COLUMNS.map(([k, label]) => (
                        <th
                          key={k}
                          scope="col"
                          aria-sort={sort === k ? (order === 'asc' ? 'ascending' : 'descending') : 'none'}
                          class={k === 'size' ? 'num' : undefined}
                        >
                          <button
                            type="button"
                            onClick={() =>
                              go({
                                sort: k,
                                order: sort === k && order === 'desc' ? 'asc' : 'desc',
                                offset: 0,
                              })
                            }
                          >
                            {label}
                            <span aria-hidden="true">
                              {sort === k ? (order === 'asc' ? ' ▲' : ' ▼') : ''}
                            </span>
                          </button>
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {p.items.map((m) => (
                      <tr key={m.id}>
                        <td class="nowrap">{fmtTime(m.date)}</td>
                        <td>
                          <T>{m.from ?? ''}</T>
                        </td>
                        <td>
                          <a href={href(['leaks', m.id])}>
                            <T>{m.subject || '(no subject)'}</T>
                          </a>
                        </td>
                        <td>
                          <span class={`verdict v-${/^[a-z-]+$/.test(m.verdict) ? m.verdict : 'x'}`}>
                            {m.verdict}
                          </span>
                        </td>
                        <td class="num">{fmtNum(m.size)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              <Pager total={p.total} limit={p.limit} offset={p.offset} go={(o) => go({ offset: o })} />
            </>
          );
        }}
      </Show>
    </>
  );
}

interface Signature {
  verdict: string;
  domain: string;
  selector: string;
  algorithm: string;
  canonicalization?: string;
  signedHeaders: string[];
  signedAt: string | null;
  expiresAt?: string | null;
  bodyHashMatches: boolean;
  bodyLengthLimit?: number | null;
  unsignedBodyBytes?: number;
  key: { fingerprint: string; bits: number | null; type: string; source: string } | null;
  reason: string;
}

interface LeakDetail extends LeakRow {
  messageId?: string | null;
  sha256?: string;
  dump?: { dumpId: string; label: string; leakDate: string | number | null };
  signatures: Signature[];
  keys?: Record<string, unknown>[];
  flags?: unknown[];
  arc?: { status: string; reason: string };
  attachments?: { path: string; sha256: string; size: number; kind?: string; note?: string | null }[];
  proven?: string[];
  notProven?: string[];
}

export function LeakView({ id }: { id: string }) {
  const r = useApi<LeakDetail>(apiUrl(`leaks/${encodeURIComponent(id)}`));
  return (
    <>
      <PageTitle>Message proof</PageTitle>
      <p class="lead">
        <a href="#/leaks">all leaked messages</a>
      </p>
      <Show r={r} what="the message">
        {(m) => (
          <>
            <h2>
              <T>{m.subject || '(no subject)'}</T>
            </h2>
            <p>
              <span class={`verdict v-${/^[a-z-]+$/.test(m.verdict) ? m.verdict : 'x'}`}>{m.verdict}</span>{' '}
              <T>{m.explanation}</T>
            </p>
            <dl class="kv wide">
              <div>
                <dt>from</dt>
                <dd>
                  <T>{m.from ?? ''}</T>
                </dd>
              </div>
              <div>
                <dt>to</dt>
                <dd>
                  <T>{m.to ?? ''}</T>
                </dd>
              </div>
              <div>
                <dt>date (header)</dt>
                <dd>{fmtTime(m.date)}</dd>
              </div>
              <div>
                <dt>message-id</dt>
                <dd>
                  <T>{m.messageId ?? ''}</T>
                </dd>
              </div>
              <div>
                <dt>file</dt>
                <dd>
                  <T>{m.msgKey}</T> in dump <T>{m.dump?.label ?? m.dumpId}</T>
                  {m.sha256 && <div class="hash">sha256 {m.sha256}</div>}
                </dd>
              </div>
            </dl>
            <div class="two">
              <section aria-labelledby="pr-h">
                <h3 id="pr-h">What is proven</h3>
                {(m.proven ?? []).length === 0 ? (
                  <p class="muted">Nothing cryptographic.</p>
                ) : (
                  <ul>
                    {(m.proven ?? []).map((s, i) => (
                      <li key={i}>
                        <T>{s}</T>
                      </li>
                    ))}
                  </ul>
                )}
              </section>
              <section aria-labelledby="np-h">
                <h3 id="np-h">What is not proven</h3>
                <ul>
                  {(m.notProven ?? []).map((s, i) => (
                    <li key={i}>
                      <T>{s}</T>
                    </li>
                  ))}
                </ul>
              </section>
            </div>
            <section aria-labelledby="sig-h">
              <h2 id="sig-h">DKIM signatures ({m.signatures.length})</h2>
              {m.signatures.length === 0 && <Empty>The message carries no DKIM signature.</Empty>}
              {m.signatures.map((s, i) => (
                <div key={i} class="card">
                  <p>
                    <span class={`verdict v-${/^[a-z-]+$/.test(s.verdict) ? s.verdict : 'x'}`}>
                      {s.verdict}
                    </span>{' '}
                    d=
                    <T>{s.domain}</T> s=<T>{s.selector}</T> · {s.algorithm}
                    {s.canonicalization ? ` · ${s.canonicalization}` : ''}
                  </p>
                  <p>
                    <T>{s.reason}</T>
                  </p>
                  <dl class="kv">
                    <div>
                      <dt>signed headers</dt>
                      <dd>
                        <T>{s.signedHeaders.join(', ')}</T>
                      </dd>
                    </div>
                    <div>
                      <dt>signed at</dt>
                      <dd>{fmtTime(s.signedAt)}</dd>
                    </div>
                    <div>
                      <dt>body hash</dt>
                      <dd>{s.bodyHashMatches ? 'matches' : 'does not match (body altered)'}</dd>
                    </div>
                    {typeof s.bodyLengthLimit === 'number' && (
                      <div>
                        <dt>l= limit</dt>
                        <dd>
                          {s.bodyLengthLimit} bytes signed; {fmtNum(s.unsignedBodyBytes)} unsigned bytes
                          follow
                        </dd>
                      </div>
                    )}
                    <div>
                      <dt>key</dt>
                      <dd>
                        {s.key ? (
                          <>
                            {s.key.type} {s.key.bits ?? '?'} bits, fingerprint{' '}
                            <code>{s.key.fingerprint}</code>, from <T>{s.key.source}</T>
                          </>
                        ) : (
                          'not available'
                        )}
                      </dd>
                    </div>
                  </dl>
                </div>
              ))}
            </section>
            {(m.keys ?? []).length > 0 && (
              <section aria-labelledby="keys-h">
                <h2 id="keys-h">Key provenance</h2>
                <Data value={m.keys} />
              </section>
            )}
            {m.arc && (
              <p>
                ARC (informational): {m.arc.status} — <T>{m.arc.reason}</T>
              </p>
            )}
            {(m.flags ?? []).length > 0 && (
              <section aria-labelledby="fl-h">
                <h2 id="fl-h">Flags</h2>
                <Data value={m.flags} />
              </section>
            )}
            {(m.attachments ?? []).length > 0 && (
              <section aria-labelledby="att-h">
                <h2 id="att-h">Attachments</h2>
                <ul>
                  {(m.attachments ?? []).map((a) => (
                    <li key={a.path}>
                      <T>{a.path}</T> · {fmtNum(a.size)} bytes · <code>{a.sha256}</code>
                      {a.note && (
                        <>
                          {' '}
                          — <T>{a.note}</T>
                        </>
                      )}
                    </li>
                  ))}
                </ul>
              </section>
            )}
          </>
        )}
      </Show>
    </>
  );
}
