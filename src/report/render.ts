/**
 * The briefing as one static HTML file: no script, no external resource, a CSP that forbids
 * both, and every data string escaped (see html.ts). Numbers a reader or a test may check
 * carry `data-metric` (and `data-value` with the raw number).
 */
import { SEVERITIES, type Finding } from '../findings/finding.js';
import { evidenceKey } from '../store/report.js';
import { VERDICTS } from '../leaks/types.js';
import { html, trusted, untrusted, type SafeHtml } from './html.js';
import { translator, type Lang, type MessageKey, type Translator } from './i18n.js';
import { PALETTE, barChart, hBarChart, networkSvg, timeChart } from './svg.js';
import type { ChannelData, ReportData } from './data.js';
import { CHANNEL_ORDER } from './data.js';

/** No script, no remote anything; inline styles and data: images only. */
export const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const CSS = `
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--accent:#0b5cad}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--fg);background:var(--bg);margin:0}
main{max-width:1000px;margin:0 auto;padding:24px}
h1{font-size:1.7em;margin:.2em 0}
h2{font-size:1.35em;border-bottom:2px solid var(--line);padding-bottom:.2em;margin-top:2em}
h3{font-size:1.1em;margin-top:1.4em}
.meta,.caption,.muted{color:var(--muted);font-size:.9em}
nav ol{columns:2;font-size:.95em}
a{color:var(--accent)}
table{border-collapse:collapse;width:100%;margin:.6em 0;font-size:.88em}
th,td{border:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f6f8fa}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.raw{white-space:pre-wrap;word-break:break-word}
td.content .raw,td.loc .raw{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:.95em}
.hash{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;word-break:break-all}
pre{background:#f6f8fa;border:1px solid var(--line);padding:8px;overflow-x:auto;font-size:.82em;white-space:pre-wrap;word-break:break-word}
.sev{display:inline-block;padding:0 6px;border-radius:3px;font-size:.8em;font-weight:600;color:#fff}
.sev-critical{background:#8b0000}.sev-high{background:#c0392b}.sev-medium{background:#d35400}.sev-low{background:#7f8c8d}.sev-info{background:#95a5a6}
article.finding{border:1px solid var(--line);border-left:4px solid var(--accent);padding:8px 12px;margin:1em 0;break-inside:avoid-page}
article.finding h4{margin:.2em 0}
svg{max-width:100%;height:auto;display:block;margin:.5em 0}
svg .tick,svg .lbl,svg .val{font-size:11px;fill:var(--muted)}
svg .lbl{fill:var(--fg)}
svg .grid{stroke:#eaeef2;stroke-width:1}
svg .area{fill:#0072B2;fill-opacity:.35;stroke:#0072B2;stroke-width:1}
svg .marker line{stroke:#D55E00;stroke-width:1.2;stroke-dasharray:3 2}
svg .marker text{font-size:10px;fill:#D55E00;font-weight:700}
svg .edge{stroke:#9aa5b1;stroke-opacity:.6}
svg .edge.strong{stroke:#1b1f24;stroke-opacity:.9}
svg .node{stroke:#fff;stroke-width:1.5}
.legend span.sw{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:50%}
@media print{
  body{font-size:10.5pt}
  main{max-width:none;padding:0}
  nav{display:none}
  h2{break-before:page;margin-top:0}
  #summary h2{break-before:auto}
  h2,h3,h4{break-after:avoid-page}
  table,svg,article.finding,figure{break-inside:avoid-page}
  tr{break-inside:avoid}
  a{color:inherit;text-decoration:none}
  th{background:#eee!important;-webkit-print-color-adjust:exact;print-color-adjust:exact}
  .sev,svg{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  @page{size:A4;margin:14mm 12mm}
}
`;

function fmtTime(iso: string | number | null): string {
  if (iso === null || iso === '') return '';
  const t = typeof iso === 'number' ? iso : Date.parse(iso);
  if (!Number.isFinite(t)) return String(iso);
  return new Date(t)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, ' UTC');
}

class R {
  readonly t: Translator['t'];
  readonly maybe: Translator['maybe'];
  readonly nf: Intl.NumberFormat;
  constructor(
    readonly d: ReportData,
    readonly lang: Lang,
  ) {
    const tr = translator(lang);
    this.t = tr.t;
    this.maybe = tr.maybe;
    this.nf = new Intl.NumberFormat(lang === 'fr' ? 'fr-FR' : 'en-GB');
  }

  n(v: number): string {
    return this.nf.format(v);
  }

  /** A number a test or a reader can pick out: `data-metric` names it, `data-value` holds it raw. */
  metric(name: string, v: number, attrs: Record<string, string> = {}, tag = 'span'): SafeHtml {
    const extra = Object.entries(attrs).map(([k, x]) => html` data-${trusted(k)}="${x}"`);
    return html`<${trusted(tag)} class="${tag === 'td' ? 'num' : ''}" data-metric="${name}" data-value="${v}"${extra}>${this.n(v)}</${trusted(tag)}>`;
  }

  channelName(c: string): string {
    return this.maybe(`ch_${c}`, c);
  }

  sev(s: string): SafeHtml {
    return html`<span class="sev sev-${s}">${this.maybe(`sev_${s}`, s)}</span>`;
  }

  conf(v: number): string {
    return (Math.round(v * 100) / 100).toFixed(2);
  }

  /** The finding's card anchor, if the report shows its card. */
  cardIds = new Set<string>();

  findingLink(f: Finding): SafeHtml {
    return this.cardIds.has(f.id)
      ? html`<a href="#f-${f.id}" class="hash">${f.id.slice(0, 10)}</a>`
      : html`<span class="hash">${f.id.slice(0, 10)}</span>`;
  }

  page(): string {
    const d = this.d;
    for (const c of d.channels) for (const f of c.cards) this.cardIds.add(f.id);
    const title = d.title ?? this.t('reportTitle');
    const sections: { id: string; name: string }[] = [
      { id: 'summary', name: this.t('summary') },
      ...d.channels.map((c) => ({ id: `ch-${c.channel}`, name: this.channelName(c.channel) })),
      { id: 'method', name: this.t('method') },
      { id: 'versions', name: this.t('versions') },
      { id: 'inputs', name: this.t('inputs') },
    ];
    const body = html`<main>
      <header>
        <h1>${title}</h1>
        <p class="meta">
          ${this.t('generated', { time: fmtTime(d.generatedAt), version: d.versions.vigie })} ·
          ${this.t('workspace')}: <span class="raw">${d.workspace}</span>
        </p>
      </header>
      <nav aria-label="${this.t('contents')}">
        <h2 style="border:0;margin-top:0">${this.t('contents')}</h2>
        <ol>
          ${sections.map((s) => html`<li><a href="#${s.id}">${s.name}</a></li>`)}
        </ol>
      </nav>
      ${this.summary()} ${d.channels.map((c) => this.channel(c))} ${this.method()} ${this.versions()}
      ${this.inputs()}
      <footer><p class="muted">${this.t('footer')}</p></footer>
    </main>`;
    return `<!DOCTYPE html>
<html lang="${this.lang}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="vigie ${html`${d.versions.vigie}`.value}">
<title>${html`${title}`.value}</title>
<style>${CSS}</style>
</head>
<body>
${body.value}
</body>
</html>
`;
  }

  summary(): SafeHtml {
    const d = this.d;
    const t = this.t;
    const total = d.channels.reduce((s, c) => s + c.findings, 0);
    const sevTotals = Object.fromEntries(
      SEVERITIES.map((s) => [s, d.channels.reduce((a, c) => a + c.bySeverity[s], 0)]),
    ) as Record<string, number>;
    const bands = d.confidenceBands;
    const withChannels = d.channels.filter((c) => c.findings > 0).length;
    const present = new Set(d.channels.map((c) => c.channel));
    const missing = CHANNEL_ORDER.filter((c) => !present.has(c) && c !== 'ingest' && c !== 'cross-channel');
    const truncated = d.channels.some((c) => c.rows.length < c.findings);
    const rowsCap = Math.max(0, ...d.channels.map((c) => c.rows.length));
    return html`<section id="summary" data-section="summary">
      <h2>${t('summary')}</h2>
      <h3>${t('whatHappened')}</h3>
      <p>
        ${trustedFill(t('overviewLine'), {
          findings: this.metric('findings-total', total),
          channels: this.metric('channels-with-findings', withChannels),
          posts: this.metric('posts', d.counts.posts),
          accounts: this.metric('accounts', d.counts.accounts),
          sources: this.metric('sources', d.counts.sources),
        })}
      </p>
      ${total ? html`<p>${trustedFill(t('severityLine'), Object.fromEntries(SEVERITIES.map((s) => [s, this.metric(`severity-${s}`, sevTotals[s])])))}</p>` : html`<p>${t('noFindings')}</p>`}
      <table data-table="channels">
        <thead>
          <tr>
            <th>${t('channel')}</th>
            <th class="num">${t('findingsTable')}</th>
            ${[...SEVERITIES].reverse().map((s) => html`<th class="num">${this.maybe(`sev_${s}`, s)}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${d.channels.map(
            (c) =>
              html`<tr data-channel="${c.channel}">
                <td><a href="#ch-${c.channel}">${this.channelName(c.channel)}</a></td>
                ${this.metric('channel-findings', c.findings, { channel: c.channel }, 'td')}${[...SEVERITIES].reverse().map((s) => this.metric(`channel-${s}`, c.bySeverity[s], { channel: c.channel }, 'td'))}
              </tr>`,
          )}
        </tbody>
      </table>
      ${
        d.top.length
          ? html`<h3>${t('topFindings')}</h3>
              <ol class="top">
                ${d.top.map((f) => html`<li data-top="${f.id}">${this.sev(f.severity)} ${untrusted(f.title, 200)} — ${t('confidence')} <b>${this.conf(f.confidence)}</b> · ${this.channelName(f.channel)} · ${this.findingLink(f)}</li>`)}
              </ol>`
          : ''
      }
      ${this.activity()}
      <h3>${t('howSure')}</h3>
      <p>
        ${trustedFill(t('confidenceLine'), { hi: this.metric('confidence-high', bands.hi), mid: this.metric('confidence-mid', bands.mid), lo: this.metric('confidence-low', bands.lo) })}
      </p>
      <p class="muted">${t('confidenceExplain')}</p>
      <h3>${t('notKnown')}</h3>
      <ul class="not-known">
        <li>${t('notKnownAttribution')}</li>
        ${missing.length ? html`<li data-not-examined="${missing.join(' ')}">${t('notKnownChannels', { list: missing.map((c) => this.channelName(c)).join(', ') })}</li>` : ''}
        ${d.counts.rejects ? html`<li>${trustedFill(t('notKnownRejects'), { n: this.metric('rejects', d.counts.rejects) })}</li>` : ''}
        ${truncated ? html`<li>${t('notKnownTruncated', { n: rowsCap })}</li>` : ''}
      </ul>
      ${
        d.caveats.length
          ? html`<p><b>${t('caveatsHeading')}</b></p>
              <ul class="caveats">
                ${d.caveats.slice(0, 12).map((c) => html`<li>${untrusted(c.text, 600)} <span class="muted">(${this.n(c.findings)})</span></li>`)}
              </ul>`
          : ''
      }
    </section>`;
  }

  activity(): SafeHtml {
    const v = this.d.volume;
    if (!v.bins.length) return html``;
    const bin = this.maybe(`bin_${v.binSeconds}`, `${v.binSeconds} s`);
    const title = this.t('volumeChart', { bin });
    return html`<h3>${this.t('activity')}</h3>
      <figure>
        ${timeChart({
          id: 'chart-volume',
          title,
          points: v.bins.map((b) => ({ t: b.start, v: b.posts })),
          binMs: v.binSeconds * 1000,
          markers: v.markers.map((m) => ({ time: m.time, label: String(m.n), title: m.title })),
        })}
        <figcaption class="caption">${title}</figcaption>
      </figure>
      ${
        v.markers.length
          ? html`<p class="muted">${this.t('markersLegend')}:</p>
              <ol class="markers">
                ${v.markers.map((m) => html`<li data-marker="${m.n}">${fmtTime(m.time)} — ${untrusted(m.title, 160)} ${this.cardIds.has(m.findingId) ? html`(<a href="#f-${m.findingId}">${m.findingId.slice(0, 10)}</a>)` : ''}</li>`)}
              </ol>`
          : ''
      }`;
  }

  channel(c: ChannelData): SafeHtml {
    const t = this.t;
    let charts: SafeHtml = html``;
    if (c.channel === 'coordination') charts = this.networkBlock();
    else if (c.channel === 'leaks') charts = this.leaksBlock();
    else if (c.channel === 'infrastructure') charts = this.attacksBlock();
    return html`<section id="ch-${c.channel}" data-section="channel" data-channel="${c.channel}">
      <h2>${this.channelName(c.channel)}</h2>
      <p>
        ${c.findings ? trustedFill(t('channelFindings'), { n: this.metric('channel-total', c.findings, { channel: c.channel }), detectors: html`${c.detectors.join(', ')}` }) : t('channelNoFindings')}
      </p>
      ${charts} ${c.rows.length ? this.findingsTable(c) : ''} ${c.cards.map((f) => this.card(f))}
    </section>`;
  }

  findingsTable(c: ChannelData): SafeHtml {
    const t = this.t;
    return html`<h3>${t('findingsTable')}</h3>
      <table data-table="findings" data-channel="${c.channel}">
        <thead>
          <tr>
            <th>${t('id')}</th>
            <th>${t('severity')}</th>
            <th class="num">${t('confidence')}</th>
            <th>${t('kind')}</th>
            <th>${t('title')}</th>
            <th>${t('detector')}</th>
            <th class="num">${t('evidence')}</th>
          </tr>
        </thead>
        <tbody>
          ${c.rows.map(
            (f) =>
              html`<tr data-finding-row="${f.id}">
                <td>${this.findingLink(f)}</td>
                <td>${this.sev(f.severity)}</td>
                <td class="num">${this.conf(f.confidence)}</td>
                <td>${untrusted(f.kind, 60)}</td>
                <td>${untrusted(f.title, 200)}</td>
                <td>${f.detector.name} ${f.detector.version}</td>
                <td class="num">${f.evidence.length}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${c.rows.length < c.findings ? html`<p class="muted">${t('moreFindings', { n: this.n(c.findings - c.rows.length) })}</p>` : ''}`;
  }

  card(f: Finding): SafeHtml {
    const t = this.t;
    const shown = f.evidence.slice(0, 15);
    return html`<article
      class="finding"
      id="f-${f.id}"
      data-finding-id="${f.id}"
      data-confidence="${f.confidence}"
      data-severity="${f.severity}"
    >
      <h4>${this.sev(f.severity)} ${untrusted(f.title, 300)}</h4>
      <p>${untrusted(f.summary, 2000)}</p>
      <table class="kv">
        <tbody>
          <tr>
            <th>${t('id')}</th>
            <td class="hash">${f.id}</td>
          </tr>
          <tr>
            <th>${t('confidence')}</th>
            <td>${this.conf(f.confidence)}</td>
          </tr>
          <tr>
            <th>${t('confidenceMethod')}</th>
            <td>${untrusted(f.confidenceMethod, 2000)}</td>
          </tr>
          <tr>
            <th>${t('detector')}</th>
            <td>${f.detector.name} ${f.detector.version} · ${untrusted(f.kind, 80)}</td>
          </tr>
          <tr>
            <th>${t('techniques')}</th>
            <td>${f.techniques.length ? f.techniques.join(', ') : t('none')}</td>
          </tr>
        </tbody>
      </table>
      <p><b>${t('caveats')}</b></p>
      <ul>
        ${f.caveats.map((c) => html`<li>${untrusted(c, 800)}</li>`)}
      </ul>
      ${shown.length ? this.evidenceTable(f, shown) : ''}
      ${f.evidence.length > shown.length ? html`<p class="muted">${t('evidenceMore', { n: this.n(f.evidence.length - shown.length) })}</p>` : ''}
    </article>`;
  }

  evidenceTable(f: Finding, refs: Finding['evidence']): SafeHtml {
    const t = this.t;
    return html`<p><b>${t('evidence')}</b></p>
      <table data-table="evidence" data-finding="${f.id}">
        <thead>
          <tr>
            <th>${t('role')}</th>
            <th>${t('table')} / ${t('key')}</th>
            <th>${t('time')}</th>
            <th>${t('who')}</th>
            <th>${t('content')}</th>
            <th>${t('location')}</th>
          </tr>
        </thead>
        <tbody>
          ${refs.map((e) => {
            const rec = this.d.evidence[evidenceKey(e.table, e.key)];
            const hash = rec?.sha256 ?? e.contentHash ?? null;
            return html`<tr
              data-evidence-table="${e.table}"
              data-evidence-key="${e.key}"
              data-resolved="${rec ? 'yes' : 'no'}"
            >
              <td>
                ${untrusted(e.role ?? '', 80)}${e.note ? html`<br /><span class="muted">${untrusted(e.note, 200)}</span>` : ''}
              </td>
              <td><span class="hash">${e.table}</span><br />${untrusted(e.key, 200)}</td>
              <td>${rec ? fmtTime(rec.time) : ''}</td>
              <td>${untrusted(rec?.who ?? '', 120)}</td>
              <td class="content">
                ${rec ? untrusted(rec.text ?? '', 400) : html`<span class="muted">${t('notResolved')}</span>`}${hash ? html`<br /><span class="hash muted">sha256 ${hash}</span>` : ''}
              </td>
              <td class="loc">${untrusted(rec?.location ?? '', 200)}</td>
            </tr>`;
          })}
        </tbody>
      </table>`;
  }

  networkBlock(): SafeHtml {
    const n = this.d.network;
    if (!n.nodes.length) return html``;
    const pos = new Map(Object.entries(n.positions));
    return html`<h3>${this.t('network')}</h3>
      <figure>
        ${networkSvg({
          id: 'chart-network',
          title: this.t('network'),
          nodes: n.nodes,
          edges: n.edges,
          pos,
        })}
        <figcaption class="caption">${this.t('networkCaption')}</figcaption>
      </figure>
      <ul class="legend">
        ${n.clusters.map((c) => html`<li data-cluster="${c.findingId}"><span class="sw" style="background:${PALETTE[c.group % PALETTE.length]}"></span>${this.t('cluster')} ${c.group + 1}: ${this.metric('cluster-members', c.members, { finding: c.findingId })} ${this.t('members')}, ${this.t('confidence')} ${this.conf(c.confidence)} — ${untrusted(c.title, 160)} ${this.cardIds.has(c.findingId) ? html`(<a href="#f-${c.findingId}">${c.findingId.slice(0, 10)}</a>)` : ''}</li>`)}
      </ul>`;
  }

  leaksBlock(): SafeHtml {
    const t = this.t;
    return html`${this.d.dumps.map(
      (d, i) =>
        html`<h3>
            ${t('leakDump')}: ${untrusted(d.label, 120)}
            <span class="muted">(${untrusted(d.dumpId, 80)})</span>
          </h3>
          <p>${this.metric('dump-messages', d.messages, { dump: d.dumpId })} ${t('messages')}</p>
          <figure>
            ${hBarChart({
              id: `chart-verdicts-${i}`,
              title: t('verdictChart', { dump: d.label }),
              bars: VERDICTS.map((v, j) => ({
                label: this.maybe(`verdict_${v}`, v),
                key: v,
                value: d.verdicts[v],
                color: ['#009E73', '#D55E00', '#8b0000', '#E69F00', '#7f8c8d'][j],
              })),
            })}
            <figcaption class="caption">${t('verdictChart', { dump: d.label })}</figcaption>
          </figure>
          <table data-table="verdicts" data-dump="${d.dumpId}">
            <tbody>
              ${VERDICTS.map(
                (v) =>
                  html`<tr>
                    <th>${this.maybe(`verdict_${v}`, v)}</th>
                    ${this.metric('verdict', d.verdicts[v], { dump: d.dumpId, verdict: v }, 'td')}
                  </tr>`,
              )}
            </tbody>
          </table>`,
    )}`;
  }

  attacksBlock(): SafeHtml {
    const a = this.d.attacks;
    const t = this.t;
    if (!a.alerts) return html``;
    const cc = (s: string) => (s ? s : t('unknownCountry'));
    return html`<p>
        ${trustedFill(t('attacksLine'), { alerts: this.metric('attack-alerts', a.alerts), events: this.metric('attack-events', a.events) })}
      </p>
      <figure>
        ${barChart({ id: 'chart-attacks-day', title: t('attacksPerDay'), bars: a.perDay.map((x) => ({ label: x.label, value: x.alerts })) })}
        <figcaption class="caption">${t('attacksPerDay')}</figcaption>
      </figure>
      <figure>
        ${hBarChart({ id: 'chart-attacks-country', title: t('attacksPerCountry'), bars: a.perCountry.slice(0, 15).map((x) => ({ label: cc(x.label), key: x.label, value: x.alerts })) })}
        <figcaption class="caption">${t('attacksPerCountry')}</figcaption>
      </figure>
      <figure>
        ${hBarChart({ id: 'chart-attacks-scenario', title: t('attacksPerScenario'), bars: a.perScenario.map((x) => ({ label: x.label, value: x.alerts, color: PALETTE[1] })) })}
        <figcaption class="caption">${t('attacksPerScenario')}</figcaption>
      </figure>`;
  }

  method(): SafeHtml {
    const t = this.t;
    const d = this.d;
    return html`<section id="method" data-section="method">
      <h2>${t('method')}</h2>
      <p>${t('methodIntro')}</p>
      ${d.detectors.map(
        (x) =>
          html`<h3 data-detector="${x.name}">
              ${x.name} ${x.version}
              <span class="muted"
                >(${this.metric('detector-findings', x.findings, { detector: x.name })}
                ${t('findingsTable').toLowerCase()})</span
              >
            </h3>
            <p><b>${t('parameters')}</b></p>
            ${x.parameters.map((p) => html`<pre>${JSON.stringify(p, null, 2)}</pre>`)}
            <p><b>${t('confidenceMethod')}</b></p>
            <ul>
              ${x.confidenceMethods.map((m) => html`<li>${untrusted(m, 2000)}</li>`)}
            </ul>`,
      )}
      <h3>${t('runs')}</h3>
      <table data-table="runs">
        <thead>
          <tr>
            <th>${t('id')}</th>
            <th>${t('command')}</th>
            <th>${t('version')}</th>
            <th>${t('started')}</th>
            <th>${t('finished')}</th>
            <th>${t('parameters')}</th>
          </tr>
        </thead>
        <tbody>
          ${d.runs.map(
            (r) =>
              html`<tr>
                <td class="hash">${r.runId}</td>
                <td>${r.command}</td>
                <td>${r.version}</td>
                <td>${fmtTime(r.startedAt)}</td>
                <td>${fmtTime(r.finishedAt)}</td>
                <td><span class="raw">${JSON.stringify(r.parameters)}</span></td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>`;
  }

  versions(): SafeHtml {
    const t = this.t;
    const v = this.d.versions;
    const tools: [string, string][] = [
      ['vigie', v.vigie],
      ['Node.js', v.node],
      ['engine', v.engine],
      ...Object.entries(v.packages),
    ];
    return html`<section id="versions" data-section="versions">
      <h2>${t('versions')}</h2>
      <table data-table="tools">
        <thead>
          <tr>
            <th>${t('tool')}</th>
            <th>${t('version')}</th>
          </tr>
        </thead>
        <tbody>
          ${tools.map(
            ([a, b]) =>
              html`<tr>
                <td>${a}</td>
                <td>${b}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      <h3>${t('referenceData')}</h3>
      ${v.reference.map(
        (r) =>
          html`<p><b>${r.name}</b> ${r.version ?? ''} — ${t('use')}: ${r.use}</p>
            <table data-table="reference">
              <thead>
                <tr>
                  <th>${t('file')}</th>
                  <th class="num">${t('size')}</th>
                  <th>${t('hash')}</th>
                </tr>
              </thead>
              <tbody>
                ${r.files.map(
                  (f) =>
                    html`<tr>
                      <td>${f.path}</td>
                      <td class="num">${f.size}</td>
                      <td class="hash">${f.sha256}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`,
      )}
    </section>`;
  }

  inputs(): SafeHtml {
    const t = this.t;
    const d = this.d;
    return html`<section id="inputs" data-section="inputs">
      <h2>${t('inputs')}</h2>
      <p>${t('inputsIntro')}</p>
      <table data-table="sources">
        <thead>
          <tr>
            <th>${t('id')}</th>
            <th>${t('path')}</th>
            <th>${t('format')}</th>
            <th>${t('status')}</th>
            <th class="num">${t('accepted')}</th>
            <th class="num">${t('rejected')}</th>
            <th class="num">${t('duplicates')}</th>
            <th>${t('hash')}</th>
          </tr>
        </thead>
        <tbody>
          ${d.sources.map(
            (s) =>
              html`<tr data-source="${s.sourceId}">
                <td>${s.sourceId}</td>
                <td>${untrusted(s.path, 300)}</td>
                <td>${s.format}</td>
                <td>${s.status}</td>
                <td class="num">${s.accepted}</td>
                <td class="num">${s.rejected}</td>
                <td class="num">${s.duplicates}</td>
                <td class="hash" data-sha256="${s.sha256}">${s.sha256}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${
        d.dumps.length
          ? html`<h3>${t('leakInputs')}</h3>
              <table data-table="dumps">
                <thead>
                  <tr>
                    <th>${t('id')}</th>
                    <th>${t('label')}</th>
                    <th>${t('status')}</th>
                    <th class="num">${t('messages')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${d.dumps.map(
                    (x) =>
                      html`<tr>
                        <td>${untrusted(x.dumpId, 80)}</td>
                        <td>${untrusted(x.label, 120)}</td>
                        <td>${x.status}</td>
                        <td class="num">${x.messages}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
          : ''
      }
    </section>`;
  }
}

/**
 * Fill `{name}` placeholders of a dictionary sentence with markup (metrics): the sentence is
 * escaped first, so only the inserted SafeHtml is markup.
 */
function trustedFill(sentence: string, parts: Record<string, SafeHtml>): SafeHtml {
  const esc = html`${sentence}`.value;
  return trusted(esc.replace(/\{(\w+)\}/g, (m, k: string) => (k in parts ? parts[k].value : m)));
}

/** The briefing of `data` in `lang`, as a complete HTML document. */
export function renderReport(data: ReportData, lang: Lang = 'en'): string {
  return new R(data, lang).page();
}

export type { MessageKey };
