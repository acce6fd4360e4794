// app.js - the screens and their addresses. Every address works as a pasted link: the server answers the same page
// for all of /console/..., and this table picks the screen. Screens get {params, query} and use only the public API.
import { useEffect } from 'preact/hooks';
import { html } from './html.js';
import { location, match, navigate, queryOf, onLinkClick, idParam } from './router.js';
import { session, sessionError, loadSession } from './session.js';
import { lang, t } from './i18n.js';
import { Layout, Loading, Page, useSignal, ErrorBox } from './ui.js';
import { Login } from './screens/login.js';
import { Dashboard, SummaryReport } from './screens/dashboard.js';
import { ClientList } from './screens/clients.js';
import { ClientPage, ClientCreate } from './screens/client.js';
import { CenterList, CenterPage, CenterCreate } from './screens/centers.js';
import { StaffList, StaffPage } from './screens/staff.js';
import { SubmissionList, SubmissionPage } from './screens/submissions.js';
import { Upload } from './screens/upload.js';
import { Money, LoanPage } from './screens/money.js';
import { Users, Password } from './screens/users.js';

const ROUTES = [
  ['/console/', Dashboard],
  ['/console/reports/summary', SummaryReport],
  ['/console/clients', ClientList],
  ['/console/clients/new', ClientCreate],
  ['/console/clients/:id', ClientPage],
  ['/console/centers', CenterList],
  ['/console/centers/new', CenterCreate],
  ['/console/centers/:id', CenterPage],
  ['/console/staff', StaffList],
  ['/console/staff/:id', StaffPage],
  ['/console/submissions', SubmissionList],
  ['/console/submissions/new', Upload],
  ['/console/submissions/:id', SubmissionPage],
  ['/console/money', Money],
  ['/console/loans/:id', LoanPage],
  ['/console/users', Users],
  ['/console/password', Password],
];

function NotFound() {
  return html`<${Page} title=${t('err_404')}><${ErrorBox} error=${{ status: 404 }} /><//>`;
}

// The first GET /auth/me failed (no network, 503): say so in words and offer to try again.
function StartFailed({ error }) {
  return html`<${Page} title=${t('start_failed')}>
    <${ErrorBox} error=${error} />
    <button type="button" class="primary" onClick=${() => loadSession()}>${t('retry')}</button>
  <//>`;
}

export function App() {
  const href = useSignal(location);
  const user = useSignal(session);
  const startError = useSignal(sessionError);
  useSignal(lang);
  const [path] = href.split('?');
  const query = queryOf(href);
  const onLogin = path === '/console/login';

  useEffect(() => { loadSession(); }, []);
  useEffect(() => {
    document.addEventListener('click', onLinkClick);
    return () => document.removeEventListener('click', onLinkClick);
  }, []);
  useEffect(() => {
    if (user === null && !onLogin)
      navigate('/console/login?next=' + encodeURIComponent(href), { replace: true });
  }, [user, onLogin]);

  if (user === undefined)
    return html`<${Layout}>${startError ? html`<${StartFailed} error=${startError} />` : html`<${Loading} />`}<//>`;
  if (onLogin || user === null) return html`<${Layout}><${Login} query=${query} /><//>`;
  for (const [pattern, Screen] of ROUTES) {
    const params = match(pattern, path);
    // every :id of the console is a record's number: anything else is not a page (and never reaches an API path)
    if (params && 'id' in params && idParam(params) === null) continue;
    if (params) return html`<${Layout}><${Screen} key=${path} params=${params} query=${query} /><//>`;
  }
  return html`<${Layout}><${NotFound} /><//>`;
}
