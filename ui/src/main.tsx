import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { KeyPrompt } from './components/KeyPrompt.js';
import { endpointExists } from './lib/api.js';
import { forgetKey, getApiKey, onAuthChange } from './lib/auth.js';
import { useRoute } from './lib/router.js';
import { ComparePage } from './pages/Compare.js';
import { JobPage } from './pages/JobPage.js';
import { JobsPage } from './pages/Jobs.js';
import { ModelPage } from './pages/ModelPage.js';
import { ModelsPage } from './pages/Models.js';
import { NewJobPage } from './pages/NewJob.js';
import { StudiesPage, StudyPage } from './pages/Studies.js';
import { WebhookPage, WebhooksPage } from './pages/Webhooks.js';
import './styles.css';

function App() {
  const route = useRoute();
  const [hasKey, setHasKey] = useState(!!getApiKey());
  const [studies, setStudies] = useState(false);
  const [webhooks, setWebhooks] = useState(false);
  useEffect(() => onAuthChange(() => setHasKey(!!getApiKey())), []);
  // Studies are offered only by servers that have them.
  useEffect(() => void endpointExists('/studies?limit=1').then(setStudies), [hasKey]);
  useEffect(() => void endpointExists('/webhooks').then(setWebhooks), [hasKey]);
  const [section = 'jobs', id] = route.parts;
  const nav = [
    ['jobs', 'Jobs'],
    ['compare', 'Compare'],
    ['models', 'Models'],
    ...(studies ? [['studies', 'Studies']] : []),
    ['new', 'New job'],
    ...(webhooks ? [['webhooks', 'Webhooks']] : []),
  ];
  let page;
  if (section === 'jobs' && id) page = <JobPage key={id} id={id} />;
  else if (section === 'compare') page = <ComparePage ids={(route.query.get('ids') ?? '').split(',').filter(Boolean)} />;
  else if (section === 'models' && id) page = <ModelPage key={id} id={id} />;
  else if (section === 'models') page = <ModelsPage />;
  else if (section === 'studies' && id) page = <StudyPage key={id} id={id} />;
  else if (section === 'studies') page = <StudiesPage />;
  else if (section === 'webhooks' && id) page = <WebhookPage key={id} id={id} />;
  else if (section === 'webhooks') page = <WebhooksPage />;
  else if (section === 'new') page = <NewJobPage from={route.query.get('from')} />;
  else page = <JobsPage />;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/jobs">
          Training dashboard
        </a>
        <nav aria-label="Sections">
          {nav.map(([key, label]) => (
            <a href={`#/${key}`} aria-current={section === key ? 'page' : undefined}>
              {label}
            </a>
          ))}
          <a href="/docs">API docs</a>
        </nav>
        {hasKey && (
          <button class="secondary" onClick={forgetKey}>
            Forget API key
          </button>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
      <KeyPrompt />
    </>
  );
}

render(<App />, document.getElementById('app')!);
