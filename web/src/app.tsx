/** The dashboard shell: navigation, routing, and the focus handling of a view change. */
import { lazy, Suspense } from 'preact/compat';
import { useEffect, useRef } from 'preact/hooks';
import { useRoute, type Route } from './router';
import { useApi, Loading } from './ui';
import { OverviewView } from './views/overview';
import { FindingsView, FindingView } from './views/findings';
import { AccountsView, AccountView, PostView } from './views/accounts';
import { FindingListView } from './views/lists';
import { LeaksView, LeakView } from './views/leaks';
import { AttacksView, IncidentView } from './views/attacks';
import { SearchView } from './views/search';

// Sigma and graphology are the heaviest part of the bundle: only the cluster view loads them.
const ClustersView = lazy(() => import('./views/clusters').then((m) => ({ default: m.ClustersView })));
const ClusterView = lazy(() => import('./views/clusters').then((m) => ({ default: m.ClusterView })));

const NAV: [string, string][] = [
  ['overview', 'Overview'],
  ['findings', 'Findings'],
  ['clusters', 'Clusters'],
  ['accounts', 'Accounts'],
  ['narratives', 'Narratives'],
  ['state-media', 'State media'],
  ['leaks', 'Leaks'],
  ['attacks', 'Attacks'],
  ['search', 'Search'],
];

function View({ route }: { route: Route }) {
  const [a, b, c] = route.parts;
  switch (a ?? 'overview') {
    case 'overview':
      return <OverviewView />;
    case 'findings':
      return b ? <FindingView id={b} /> : <FindingsView query={route.query} />;
    case 'clusters':
      return b ? <ClusterView id={b} /> : <ClustersView query={route.query} />;
    case 'accounts':
      return b ? <AccountView accountKey={b} /> : <AccountsView />;
    case 'posts':
      return b && c ? <PostView platform={b} postId={c} /> : <NotFound />;
    case 'narratives':
      return (
        <FindingListView
          title="Narratives"
          endpoint="narratives"
          query={route.query}
          empty="No narrative findings in this workspace: the narratives detector has not run, or found nothing."
        />
      );
    case 'state-media':
      return (
        <FindingListView
          title="State-media amplification"
          endpoint="state-media"
          query={route.query}
          empty="No state-media amplification findings in this workspace: the state-media detector has not run, or found nothing."
        />
      );
    case 'leaks':
      return b ? <LeakView id={b} /> : <LeaksView query={route.query} />;
    case 'attacks':
      return b === 'incidents' && c ? <IncidentView id={c} /> : <AttacksView query={route.query} />;
    case 'search':
      return <SearchView query={route.query} />;
    default:
      return <NotFound />;
  }
}

function NotFound() {
  return (
    <>
      <h1 tabIndex={-1}>Not found</h1>
      <p>
        This address is not a view of the dashboard. <a href="#/overview">Go to the overview</a>.
      </p>
    </>
  );
}

export function App() {
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const current = route.parts[0] ?? 'overview';
  const health = useApi<{ version?: string; readOnly?: boolean }>('/api/health');
  const path = route.parts.join('/');
  useEffect(() => {
    // After navigation, keyboard and screen-reader users land on the new view's heading.
    const h = main.current?.querySelector('h1');
    if (h instanceof HTMLElement && document.activeElement !== document.body)
      h.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [path]);
  return (
    <div class="shell">
      <a
        class="skip"
        href="#main"
        onClick={(e) => (e.preventDefault(), main.current?.querySelector('h1')?.focus())}
      >
        Skip to content
      </a>
      <header class="top">
        <span class="brand">vigie</span>
        <nav aria-label="Views">
          <ul>
            {NAV.map(([k, label]) => (
              <li key={k}>
                <a
                  href={`#/${k}`}
                  aria-current={
                    current === k || (current === 'posts' && k === 'accounts') ? 'page' : undefined
                  }
                >
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="meta">
          {health.data?.version ? `v${health.data.version}` : ''}
          {health.data?.readOnly ? ' · read-only' : ''}
          {health.error ? 'server unreachable' : ''}
        </span>
      </header>
      {/* data-route: the address this content was rendered for (browser tests wait on it). */}
      <main id="main" ref={main} data-route={route.hash}>
        <Suspense fallback={<Loading what="view" />}>
          <View route={route} />
        </Suspense>
      </main>
    </div>
  );
}
