/** What is new since the last visit, counts per channel, and one timeline. */
import { useMemo, useState } from 'preact/hooks';
import { apiUrl, type Overview } from '../api';
import { TimeChart } from '../charts';
import { href } from '../router';
import { Empty, fmtNum, fmtTime, PageTitle, Show, useApi } from '../ui';

const LAST_VISIT = 'vigie.lastVisit';

function readLastVisit(): string | null {
  try {
    const v = localStorage.getItem(LAST_VISIT);
    return v && !Number.isNaN(Date.parse(v)) ? v : null;
  } catch {
    return null;
  }
}

/** Pivot `[{t, channel, count}]` into uPlot's aligned columns. */
export function pivotTimeline(rows: Overview['timeline']) {
  const ts = [...new Set(rows.map((r) => (typeof r.t === 'number' ? r.t : Date.parse(r.t)) / 1000))]
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const index = new Map(ts.map((t, i) => [t, i]));
  const byChannel = new Map<string, (number | null)[]>();
  for (const r of rows) {
    const i = index.get((typeof r.t === 'number' ? r.t : Date.parse(r.t)) / 1000);
    if (i === undefined) continue;
    let s = byChannel.get(r.channel);
    if (!s) byChannel.set(r.channel, (s = new Array<number | null>(ts.length).fill(0)));
    s[i] = (s[i] ?? 0) + r.count;
  }
  return { x: ts, series: [...byChannel].map(([name, values]) => ({ name, values })) };
}

export function OverviewView() {
  // The previous visit is read once per page load, then the current time becomes the new mark,
  // so a reload of the overview still compares against the visit before this one.
  const [since] = useState(() => {
    const prev = readLastVisit();
    try {
      localStorage.setItem(LAST_VISIT, new Date().toISOString());
    } catch {
      // Private mode without storage: "new since" simply covers everything.
    }
    return prev;
  });
  const r = useApi<Overview>(apiUrl('overview', { since: since ?? undefined }));
  return (
    <>
      <PageTitle>Overview</PageTitle>
      <Show r={r} what="the overview">
        {(o) => <OverviewBody o={o} />}
      </Show>
    </>
  );
}

function OverviewBody({ o }: { o: Overview }) {
  const chart = useMemo(() => pivotTimeline(o.timeline ?? []), [o.timeline]);
  const c = o.counts;
  const channels = Object.entries(c.findingsByChannel ?? {}).sort((a, b) => b[1] - a[1]);
  const nothing = !c.posts && !c.findings && !c.leaks?.messages && !c.attacks?.events;
  return (
    <>
      <section class="new" aria-labelledby="new-h">
        <h2 id="new-h">New since your last visit</h2>
        {o.newSince.since ? (
          <p>
            Since {fmtTime(o.newSince.since)}: <strong>{fmtNum(o.newSince.findings)}</strong> new finding
            {o.newSince.findings === 1 ? '' : 's'}
            {Object.entries(o.newSince.byChannel ?? {}).length > 0 && ' ('}
            {Object.entries(o.newSince.byChannel ?? {}).map(([ch, n], i) => (
              <span key={ch}>
                {i > 0 && ', '}
                <a href={href(['findings'], { channel: ch })}>
                  {ch} {fmtNum(n)}
                </a>
              </span>
            ))}
            {Object.entries(o.newSince.byChannel ?? {}).length > 0 && ')'}.
          </p>
        ) : (
          <p>First visit from this browser: every finding is new ({fmtNum(c.findings)}).</p>
        )}
      </section>
      {nothing && (
        <Empty>This workspace is empty: ingest posts, a leak or logs, then run the detectors.</Empty>
      )}
      <section aria-labelledby="counts-h">
        <h2 id="counts-h">Workspace</h2>
        <ul class="cards">
          <li>
            <span class="n">{fmtNum(c.posts)}</span> posts
          </li>
          <li>
            <span class="n">{fmtNum(c.accounts)}</span> accounts
          </li>
          <li>
            <span class="n">{fmtNum(c.sources)}</span> sources
          </li>
          <li>
            <a href="#/findings">
              <span class="n">{fmtNum(c.findings)}</span> findings
            </a>
          </li>
          <li>
            <a href="#/leaks">
              <span class="n">{fmtNum(c.leaks?.messages)}</span> leaked messages
            </a>
          </li>
          <li>
            <a href="#/attacks">
              <span class="n">{fmtNum(c.attacks?.events)}</span> log events, {fmtNum(c.attacks?.alerts)}{' '}
              alerts
            </a>
          </li>
        </ul>
      </section>
      <section aria-labelledby="ch-h">
        <h2 id="ch-h">Findings per channel</h2>
        {channels.length === 0 ? (
          <Empty>No findings yet.</Empty>
        ) : (
          <table class="compact">
            <thead>
              <tr>
                <th scope="col">channel</th>
                <th scope="col" class="num">
                  findings
                </th>
                <th scope="col" class="num">
                  new
                </th>
              </tr>
            </thead>
            <tbody>
              {channels.map(([ch, n]) => (
                <tr key={ch}>
                  <td>
                    <a href={href(['findings'], { channel: ch })}>{ch}</a>
                  </td>
                  <td class="num">{fmtNum(n)}</td>
                  <td class="num">{fmtNum(o.newSince.byChannel?.[ch] ?? 0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {c.leaks?.byVerdict && Object.keys(c.leaks.byVerdict).length > 0 && (
          <p>
            Leak verdicts:{' '}
            {Object.entries(c.leaks.byVerdict).map(([v, n], i) => (
              <span key={v}>
                {i > 0 && ', '}
                <a href={href(['leaks'], { verdict: v })}>
                  {v} {fmtNum(n)}
                </a>
              </span>
            ))}
          </p>
        )}
      </section>
      <section aria-labelledby="tl-h">
        <h2 id="tl-h">Timeline{o.bucket ? ` (per ${o.bucket})` : ''}</h2>
        {chart.x.length === 0 ? (
          <Empty>Nothing dated to draw yet.</Empty>
        ) : (
          <TimeChart x={chart.x} series={chart.series} label="Activity per channel over time" />
        )}
      </section>
    </>
  );
}
