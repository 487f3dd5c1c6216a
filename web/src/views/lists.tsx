/** Finding lists of one detector (narratives, state-media amplification). */
import { apiUrl, type FindingSummary, type Page } from '../api';
import { href, navigate } from '../router';
import { Empty, PageTitle, Pager, Show, useApi } from '../ui';
import { FindingsTable } from './findings';

export function FindingListView({
  title,
  endpoint,
  query,
  empty,
}: {
  title: string;
  endpoint: string;
  query: URLSearchParams;
  empty: string;
}) {
  const offset = Math.max(0, Number(query.get('offset') ?? 0) || 0);
  const r = useApi<Page<FindingSummary>>(apiUrl(endpoint, { limit: 50, offset }));
  return (
    <>
      <PageTitle>{title}</PageTitle>
      <Show r={r} what={title.toLowerCase()}>
        {(p) =>
          p.items.length === 0 ? (
            <Empty>{empty}</Empty>
          ) : (
            <>
              <FindingsTable items={p.items} />
              <Pager
                total={p.total}
                limit={p.limit}
                offset={p.offset}
                go={(o) => navigate(href([endpoint], { offset: o }))}
              />
            </>
          )
        }
      </Show>
    </>
  );
}
