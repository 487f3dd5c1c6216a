/** Search across posts, leaked messages and log events. */
import { useState } from 'preact/hooks';
import { apiUrl, type Page, type SearchHit } from '../api';
import { href, navigate } from '../router';
import { Empty, fmtNum, fmtTime, PageTitle, Pager, Show, T, useApi } from '../ui';

function hitLink(h: SearchHit): string | null {
  if (h.kind === 'post') {
    const m = /^([^:]+):(.+)$/.exec(h.id);
    return m ? href(['posts', m[1]!, m[2]!]) : null;
  }
  if (h.kind === 'message') return href(['leaks', h.id]);
  return null;
}

export function SearchView({ query }: { query: URLSearchParams }) {
  const q = query.get('q') ?? '';
  const kind = query.get('kind') ?? '';
  const offset = Math.max(0, Number(query.get('offset') ?? 0) || 0);
  const [text, setText] = useState(q);
  const [k, setK] = useState(kind);
  const r = useApi<Page<SearchHit>>(q ? apiUrl('search', { q, kind, limit: 50, offset }) : null);
  return (
    <>
      <PageTitle>Search</PageTitle>
      <form
        class="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim()) navigate(href(['search'], { q: text.trim(), kind: k }));
        }}
      >
        <label>
          Text
          <input
            type="search"
            name="q"
            value={text}
            maxLength={200}
            onInput={(e) => setText(e.currentTarget.value)}
            size={40}
          />
        </label>
        <label>
          In
          <select value={k} onChange={(e) => setK(e.currentTarget.value)}>
            <option value="">posts, messages and log events</option>
            <option value="posts">posts</option>
            <option value="messages">leaked messages</option>
            <option value="events">log events</option>
          </select>
        </label>
        <button type="submit">Search</button>
      </form>
      {!q ? (
        <Empty>Type a word, a handle, a URL or an IP address.</Empty>
      ) : (
        <Show r={r} what="results">
          {(p) =>
            p.items.length === 0 ? (
              <Empty>
                Nothing matches “<T>{q}</T>”.
              </Empty>
            ) : (
              <>
                <p class="muted">{fmtNum(p.total)} results</p>
                <ol class="hits" start={p.offset + 1}>
                  {p.items.map((h) => {
                    const link = hitLink(h);
                    return (
                      <li key={`${h.kind}:${h.id}`}>
                        <span class="tag">{h.kind}</span>{' '}
                        {link ? (
                          <a href={link}>
                            <T>{h.title || h.id}</T>
                          </a>
                        ) : (
                          <T>{h.title || h.id}</T>
                        )}{' '}
                        <span class="muted">{fmtTime(h.time)}</span>
                        <div class="excerpt">
                          <T>{h.excerpt}</T>
                        </div>
                      </li>
                    );
                  })}
                </ol>
                <Pager
                  total={p.total}
                  limit={p.limit}
                  offset={p.offset}
                  go={(o) => navigate(href(['search'], { q, kind, offset: o }))}
                />
              </>
            )
          }
        </Show>
      )}
    </>
  );
}
