/** Infrastructure attacks: the ranked daily digest, per-country and per-ASN charts, one incident. */
import { useMemo } from 'preact/hooks';
import { apiUrl } from '../api';
import { BarChart } from '../charts';
import { href, navigate } from '../router';
import { Empty, fmtNum, fmtTime, PageTitle, Sev, Show, T, useApi } from '../ui';

interface DigestIncident {
  id: string;
  class: string;
  severity: string;
  score: number;
  ips: string[];
  countries: string[];
  asns: (string | number | { asn: number; org: string })[];
  scenarios: string[];
  events: number;
  first: string | number;
  last: string | number;
  reasons: (string | { points: number; text: string })[];
}
interface DigestDay {
  day: string;
  events: number;
  alerts: number;
  incidents: number;
  targeted: number;
  top: DigestIncident[];
}
interface Digest {
  days: DigestDay[];
  dataVersion?: string;
  caveats?: string[];
}
interface Stats {
  byDay: { day: string; events: number; alerts: number }[];
  byCountry: { country: string; events: number; alerts: number }[];
  byAsn: { asn: number; org: string; events: number; alerts: number }[];
  byScenario: { scenario: string; alerts: number; events: number }[];
}

function reasonText(r: DigestIncident['reasons'][number]): string {
  return typeof r === 'string' ? r : `${r.points > 0 ? '+' : ''}${r.points} ${r.text}`;
}

function asnText(a: DigestIncident['asns'][number]): string {
  return typeof a === 'object' && a !== null ? `AS${a.asn} ${a.org}` : String(a);
}

export function AttacksView({ query }: { query: URLSearchParams }) {
  const day = query.get('day') ?? '';
  const digest = useApi<Digest>(apiUrl('attacks/digest', { day }));
  const stats = useApi<Stats>(apiUrl('attacks/stats'));
  return (
    <>
      <PageTitle>Attacks on campaign infrastructure</PageTitle>
      <Show r={stats} what="attack statistics">
        {(s) =>
          s.byDay.length === 0 && s.byCountry.length === 0 ? (
            <Empty>No server or mail logs in this workspace: `vigie attacks ingest` them first.</Empty>
          ) : (
            <>
              <form class="filters" aria-label="Choose a day">
                <label>
                  Day
                  <select
                    value={day}
                    onChange={(e) => navigate(href(['attacks'], { day: e.currentTarget.value }))}
                  >
                    <option value="">every day</option>
                    {s.byDay.map((d) => (
                      <option key={d.day} value={d.day}>
                        {d.day} ({fmtNum(d.events)} events)
                      </option>
                    ))}
                  </select>
                </label>
              </form>
              <DigestBlock r={digest} />
              <Charts s={s} />
            </>
          )
        }
      </Show>
    </>
  );
}

function DigestBlock({ r }: { r: ReturnType<typeof useApi<Digest>> }) {
  return (
    <section aria-labelledby="dg-h">
      <h2 id="dg-h">Daily digest: the incidents that matter, ranked</h2>
      <Show r={r} what="the digest">
        {(d) => (
          <>
            {d.days.length === 0 && <Empty>No events on that day.</Empty>}
            {d.days.map((day) => (
              <section key={day.day} class="day">
                <h3>
                  {day.day}: {fmtNum(day.events)} events, {fmtNum(day.alerts)} alerts, {fmtNum(day.incidents)}{' '}
                  incidents
                  {day.targeted > 0 && <strong class="targeted"> · {day.targeted} targeted</strong>}
                </h3>
                {day.top.length === 0 ? (
                  <p class="muted">Nothing above the noise.</p>
                ) : (
                  <ol class="digest">
                    {day.top.map((i) => (
                      <li key={i.id}>
                        <Sev s={i.severity} /> <span class="tag">{i.class}</span> score {i.score} ·{' '}
                        <a href={href(['attacks', 'incidents', i.id])}>
                          <T>{i.ips.slice(0, 3).join(', ')}</T>
                          {i.ips.length > 3 ? ` +${i.ips.length - 3}` : ''}
                        </a>{' '}
                        · {i.countries.join(', ')} · <T>{i.asns.slice(0, 2).map(asnText).join('; ')}</T> ·{' '}
                        {fmtNum(i.events)} events · <T>{i.scenarios.join(', ')}</T>
                        <ul class="reasons">
                          {i.reasons.slice(0, 4).map((x, k) => (
                            <li key={k}>
                              <T>{reasonText(x)}</T>
                            </li>
                          ))}
                        </ul>
                      </li>
                    ))}
                  </ol>
                )}
              </section>
            ))}
            {(d.caveats ?? []).length > 0 && (
              <details>
                <summary>Caveats</summary>
                <ul>
                  {(d.caveats ?? []).map((c, i) => (
                    <li key={i}>
                      <T>{c}</T>
                    </li>
                  ))}
                </ul>
              </details>
            )}
          </>
        )}
      </Show>
    </section>
  );
}

function Charts({ s }: { s: Stats }) {
  const countries = useMemo(
    () => [...s.byCountry].sort((a, b) => b.events - a.events).slice(0, 20),
    [s.byCountry],
  );
  const asns = useMemo(() => [...s.byAsn].sort((a, b) => b.events - a.events).slice(0, 20), [s.byAsn]);
  const cLabels = useMemo(() => countries.map((c) => c.country || '??'), [countries]);
  const cValues = useMemo(() => countries.map((c) => c.events), [countries]);
  const aLabels = useMemo(() => asns.map((a) => `AS${a.asn}`), [asns]);
  const aValues = useMemo(() => asns.map((a) => a.events), [asns]);
  return (
    <div class="two">
      <section aria-labelledby="cc-h">
        <h2 id="cc-h">Events per source country (top 20)</h2>
        {countries.length === 0 ? (
          <Empty>No country data.</Empty>
        ) : (
          <BarChart labels={cLabels} values={cValues} name="events" label="Log events per source country" />
        )}
        <p class="muted">A source country is where traffic comes from, not who sent it.</p>
      </section>
      <section aria-labelledby="asn-h">
        <h2 id="asn-h">Events per network (ASN, top 20)</h2>
        {asns.length === 0 ? (
          <Empty>No network data.</Empty>
        ) : (
          <>
            <BarChart
              labels={aLabels}
              values={aValues}
              name="events"
              label="Log events per autonomous system"
            />
            <table class="compact">
              <tbody>
                {asns.slice(0, 10).map((a) => (
                  <tr key={a.asn}>
                    <td>AS{a.asn}</td>
                    <td>
                      <T>{a.org}</T>
                    </td>
                    <td class="num">{fmtNum(a.events)}</td>
                    <td class="num">{fmtNum(a.alerts)} alerts</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>
    </div>
  );
}

interface IncidentDetail extends Omit<DigestIncident, 'reasons'> {
  confidence?: number;
  networks?: string[];
  techniques?: string[];
  users?: string[];
  reasons: (string | { points: number; text: string })[];
  alerts: {
    alertId: string;
    scenario: string;
    ip: string;
    country: string;
    asn: number;
    org: string;
    events: number;
    first: string | number;
    last: string | number;
    severity: string;
    lines: {
      sourceId: number;
      path?: string;
      line: number;
      time: string | number;
      raw: string;
      sha256: string;
    }[];
  }[];
}

export function IncidentView({ id }: { id: string }) {
  const r = useApi<IncidentDetail>(apiUrl(`attacks/incidents/${encodeURIComponent(id)}`));
  return (
    <>
      <PageTitle>Incident</PageTitle>
      <p class="lead">
        <a href="#/attacks">the digest</a>
      </p>
      <Show r={r} what="the incident">
        {(i) => (
          <>
            <p>
              <Sev s={i.severity} /> <span class="tag">{i.class}</span> score {i.score}
              {typeof i.confidence === 'number' && <> · confidence {i.confidence.toFixed(2)}</>} ·{' '}
              {fmtTime(i.first)} – {fmtTime(i.last)} · {fmtNum(i.events)} events
            </p>
            <dl class="kv wide">
              <div>
                <dt>addresses</dt>
                <dd>
                  <T>{i.ips.join(', ')}</T>
                </dd>
              </div>
              <div>
                <dt>networks</dt>
                <dd>
                  <T>{(i.asns ?? []).map(asnText).join('; ')}</T>
                </dd>
              </div>
              <div>
                <dt>countries</dt>
                <dd>{i.countries.join(', ')}</dd>
              </div>
              <div>
                <dt>users tried</dt>
                <dd>
                  <T>{(i.users ?? []).join(', ')}</T>
                </dd>
              </div>
              <div>
                <dt>techniques</dt>
                <dd>{(i.techniques ?? []).join(', ')}</dd>
              </div>
            </dl>
            <h2>Why it ranks here</h2>
            <ul>
              {i.reasons.map((x, k) => (
                <li key={k}>
                  <T>{reasonText(x)}</T>
                </li>
              ))}
            </ul>
            <h2>Alerts and their raw log lines</h2>
            {i.alerts.map((a) => (
              <section key={a.alertId} class="card">
                <h3>
                  <Sev s={a.severity} /> {a.scenario} · <T>{a.ip}</T> · {a.country} AS{a.asn} <T>{a.org}</T> ·{' '}
                  {fmtNum(a.events)} events
                </h3>
                <pre class="raw" tabIndex={0} aria-label={`Raw log lines of alert ${a.scenario}`}>
                  {a.lines.map((l) => (
                    <div key={`${l.sourceId}:${l.line}`}>
                      <span class="ln">
                        <T>{l.path ?? `source ${l.sourceId}`}</T>:{l.line}
                      </span>{' '}
                      <T>{l.raw}</T>
                    </div>
                  ))}
                </pre>
              </section>
            ))}
          </>
        )}
      </Show>
    </>
  );
}
