/** Accounts (lookup and one account's page) and single posts. */
import { useEffect, useState } from 'preact/hooks';
import { apiUrl, type AccountSignals, type AccountView as AccountData, type Post } from '../api';
import { href, navigate } from '../router';
import { Data, Empty, ExtUrl, fmtNum, fmtTime, PageTitle, Show, T, useApi } from '../ui';
import { FindingsTable } from './findings';

const RECENT = 'vigie.recentAccounts';

/** The score first, with what raised or lowered it most; every feature below. */
export function Signals({ s }: { s: AccountSignals }) {
  const top = Object.entries(s.contributions ?? {})
    .filter(([, c]) => typeof c === 'number' && Number.isFinite(c))
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
    .slice(0, 5);
  return (
    <>
      <p>
        score <strong>{Number.isFinite(s.score) ? s.score.toFixed(2) : '—'}</strong> (model <T>{s.model}</T>,
        computed {fmtTime(s.computedAt)})
        {top.length > 0 && (
          <>
            {' '}
            · largest contributions:{' '}
            <T>{top.map(([k, c]) => `${k} ${c >= 0 ? '+' : ''}${c.toFixed(2)}`).join(', ')}</T>
          </>
        )}
      </p>
      <details>
        <summary>Features, contributions and flags</summary>
        <Data value={{ features: s.features, contributions: s.contributions, flags: s.flags }} />
      </details>
    </>
  );
}

function recent(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(RECENT) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, 20) : [];
  } catch {
    return [];
  }
}

function remember(key: string) {
  try {
    localStorage.setItem(RECENT, JSON.stringify([key, ...recent().filter((k) => k !== key)].slice(0, 20)));
  } catch {
    // No storage: no history.
  }
}

export function AccountsView() {
  const [key, setKey] = useState('');
  const seen = recent();
  return (
    <>
      <PageTitle>Accounts</PageTitle>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          if (key.trim()) navigate(href(['accounts', key.trim()]));
        }}
      >
        <label>
          Account key (platform:account_id)
          <input
            value={key}
            onInput={(e) => setKey(e.currentTarget.value)}
            placeholder="x:123456"
            size={28}
          />
        </label>
        <button type="submit">Open</button>
      </form>
      <p class="muted">
        Accounts are reached from clusters, findings and <a href="#/search">search</a>.
      </p>
      {seen.length > 0 && (
        <section aria-labelledby="recent-h">
          <h2 id="recent-h">Recently opened</h2>
          <ul>
            {seen.map((k) => (
              <li key={k}>
                <a href={href(['accounts', k])}>
                  <T>{k}</T>
                </a>
              </li>
            ))}
          </ul>
        </section>
      )}
      {seen.length === 0 && <Empty>No account opened yet from this browser.</Empty>}
    </>
  );
}

export function AccountView({ accountKey }: { accountKey: string }) {
  const r = useApi<AccountData>(apiUrl(`accounts/${encodeURIComponent(accountKey)}`));
  useEffect(() => {
    if (r.data) remember(accountKey);
  }, [r.data, accountKey]);
  return (
    <>
      <PageTitle>
        Account <T>{accountKey}</T>
      </PageTitle>
      <Show r={r} what="the account">
        {(v) => (
          <>
            <dl class="kv wide">
              <div>
                <dt>handle</dt>
                <dd>
                  @<T>{v.account.handle ?? ''}</T>
                </dd>
              </div>
              <div>
                <dt>display name</dt>
                <dd>
                  <T>{v.account.displayName ?? ''}</T>
                </dd>
              </div>
              <div>
                <dt>description</dt>
                <dd>
                  <T>{v.account.description ?? ''}</T>
                </dd>
              </div>
              <div>
                <dt>created</dt>
                <dd>{fmtTime(v.account.createdAt)}</dd>
              </div>
              <div>
                <dt>followers / following / posts</dt>
                <dd>
                  {fmtNum(v.account.followers)} / {fmtNum(v.account.following)} /{' '}
                  {fmtNum(v.account.postsCount)}
                </dd>
              </div>
              <div>
                <dt>seen in the workspace</dt>
                <dd>
                  {fmtTime(v.account.firstSeen)} – {fmtTime(v.account.lastSeen)}
                </dd>
              </div>
            </dl>
            <section aria-labelledby="sig-h">
              <h2 id="sig-h">Signals</h2>
              {v.signals ? (
                <Signals s={v.signals} />
              ) : (
                <Empty>No account signals computed for this workspace.</Empty>
              )}
            </section>
            <section aria-labelledby="af-h">
              <h2 id="af-h">Findings that name this account ({v.findings.length})</h2>
              {v.findings.length === 0 ? <Empty>None.</Empty> : <FindingsTable items={v.findings} />}
            </section>
            <section aria-labelledby="ap-h">
              <h2 id="ap-h">Most recent posts ({v.posts.length})</h2>
              {v.posts.length === 0 ? (
                <Empty>No posts stored.</Empty>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th scope="col">time</th>
                      <th scope="col">kind</th>
                      <th scope="col">text</th>
                    </tr>
                  </thead>
                  <tbody>
                    {v.posts.map((p) => (
                      <tr key={p.postId}>
                        <td class="nowrap">
                          <a href={href(['posts', p.platform, p.postId])}>{fmtTime(p.time)}</a>
                        </td>
                        <td>{p.kind}</td>
                        <td>
                          <T>{p.text}</T>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
          </>
        )}
      </Show>
    </>
  );
}

export function PostView({ platform, postId }: { platform: string; postId: string }) {
  const r = useApi<Post>(apiUrl(`posts/${encodeURIComponent(platform)}/${encodeURIComponent(postId)}`));
  return (
    <>
      <PageTitle>
        Post <T>{`${platform}:${postId}`}</T>
      </PageTitle>
      <Show r={r} what="the post">
        {(p) => {
          const account = p.accountKey ?? `${p.platform}:${p.accountId}`;
          return (
            <>
              <blockquote class="post-text big">
                <T>{p.text}</T>
              </blockquote>
              <dl class="kv wide">
                <div>
                  <dt>account</dt>
                  <dd>
                    <a href={href(['accounts', account])}>
                      <T>{account}</T>
                    </a>
                  </dd>
                </div>
                <div>
                  <dt>time</dt>
                  <dd>{fmtTime(p.time)}</dd>
                </div>
                <div>
                  <dt>kind</dt>
                  <dd>
                    {p.kind}
                    {p.refPostId && (
                      <>
                        {' of '}
                        <a href={href(['posts', p.platform, p.refPostId])}>
                          <T>{p.refPostId}</T>
                        </a>
                      </>
                    )}
                  </dd>
                </div>
                <div>
                  <dt>language</dt>
                  <dd>{p.lang}</dd>
                </div>
                <div>
                  <dt>URLs</dt>
                  <dd>
                    {(p.urls ?? []).length === 0 ? (
                      '—'
                    ) : (
                      <ul class="plain">
                        {(p.urls ?? []).map((u, i) => (
                          <li key={i}>
                            <ExtUrl url={u} />
                          </li>
                        ))}
                      </ul>
                    )}
                  </dd>
                </div>
                <div>
                  <dt>hashtags</dt>
                  <dd>
                    <T>{(p.hashtags ?? []).join(' ')}</T>
                  </dd>
                </div>
                <div>
                  <dt>mentions</dt>
                  <dd>
                    <T>{(p.mentions ?? []).join(' ')}</T>
                  </dd>
                </div>
                <div>
                  <dt>client</dt>
                  <dd>
                    <T>{p.client ?? ''}</T>
                  </dd>
                </div>
              </dl>
            </>
          );
        }}
      </Show>
    </>
  );
}
