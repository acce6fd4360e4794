// money.js - the money of a fiscal year (chosen on the screen, kept in the address with the section shown):
// allocations per level with what is left under the parent's ceiling, donations and campaigns, and the overdue loan
// installments per province or county (down to each county's installments, each loan a link to its page). A loan's
// page: its terms, its schedule with what is paid, overdue or to come, and its repayments. Reads only the public API.
import { html } from '../html.js';
import { get } from '../api.js';
import { strings, lang, t } from '../i18n.js';
import { navigate, idParam } from '../router.js';
import { session } from '../session.js';
import { num, digits, jdate, tomanHint } from '../format.js';
import { Page, ErrorBox, Loading, DataTable, SelectField, Pager, Notice, useLoad, useSignal } from '../ui.js';
import { useState } from 'preact/hooks';
import { allPages, provinces, counties, programs, nameOf, yearOf, yearChoices, hrefWith, percent, levelOf }
  from './money_places.js';
import { installmentStates } from '../installments.js';
import { useFocusAfter } from './money_focus.js';

const T = strings({
  fa: {
    title: 'اعتبارات و کمک‌ها', fiscal_year: 'سال مالی', sections: 'بخش‌های اعتبارات و کمک‌ها',
    s_allocations: 'تخصیص اعتبارات', s_donations: 'کمک‌ها و کمپین‌ها', s_overdue: 'اقساط معوق وام‌ها',
    level_province: 'تخصیص به استان‌ها', level_county: 'تخصیص به شهرستان‌ها', level_center: 'تخصیص به مراکز',
    place: 'محل', program: 'برنامه', amount: 'مبلغ (ریال)', parent: 'سقف سطح بالاتر (ریال)',
    siblings: 'تخصیص‌یافته زیر همان سقف (ریال)', remaining: 'ماندهٔ سقف (ریال)',
    below: 'تخصیص به سطح پایین‌تر (ریال)', unallocated: 'ماندهٔ تخصیص‌نیافته (ریال)',
    no_parent_ceiling: 'سقف سطح بالاتر در حوزهٔ شما نیست.',
    more_rows: 'فقط ۲۰۰۰ ردیف نخست نشان داده شده است.', none_for_year: 'برای این سال چیزی ثبت نشده است.',
    province_of: 'استان {name}', county_of: 'شهرستان {name}',
    campaigns: 'کمپین‌ها', campaign: 'کمپین', scope: 'گستره', national: 'سراسری', period: 'دوره',
    goal: 'هدف (ریال)', raised: 'جمع کمک‌ها (ریال)', count: 'تعداد کمک‌ها', progress: 'پیشرفت',
    by_campaign: 'کمک‌های سال مالی {year} به تفکیک کمپین', no_campaign: 'بدون کمپین',
    cash: 'نقدی (ریال)', in_kind: 'غیرنقدی (ریال)', total: 'جمع (ریال)',
    donations: 'کمک‌های سال مالی {year}', received_on: 'تاریخ دریافت', donor: 'نیکوکار', anonymous: 'بی‌نام',
    kind: 'نوع', kind_cash: 'نقدی', kind_in_kind: 'غیرنقدی', description: 'شرح',
    overdue_by_province: 'اقساط معوق امروز به تفکیک استان', overdue_by_county: 'اقساط معوق امروز در شهرستان‌های استان {name}',
    overdue_none: 'امروز هیچ قسط معوقی در این حوزه نیست.',
    loans: 'وام‌های دارای قسط معوق', installments: 'اقساط معوق', unpaid: 'مبلغ معوق (ریال)', oldest: 'قدیمی‌ترین سررسید',
    county_installments: 'اقساط معوق شهرستان {name}', loan: 'وام', client: 'مددجو', n: 'شمارهٔ قسط',
    due_on: 'سررسید', inst_amount: 'مبلغ قسط (ریال)', all_provinces: 'همهٔ استان‌ها',
    n_installments: 'تعداد اقساط', loan_title: 'وام شمارهٔ {id}', loan_terms: 'مشخصات وام', status: 'وضعیت', first_due: 'سررسید نخستین قسط',
    repaid: 'بازپرداخت‌شده (ریال)', outstanding: 'مانده (ریال)', schedule: 'جدول اقساط',
    state: 'وضعیت قسط', 'st.paid': 'پرداخت‌شده', 'st.overdue': 'معوق', 'st.partial': 'بخشی پرداخت‌شده', 'st.due': 'آینده',
    repayments: 'بازپرداخت‌ها', paid_on: 'تاریخ پرداخت',
    'loan_status.active': 'جاری', 'loan_status.repaid': 'تسویه‌شده', 'loan_status.written_off': 'سوخت‌شده',
    'level.province': 'استان', 'level.county': 'شهرستان', 'level.center': 'مرکز',
    center_scope: 'ارقام این صفحه به مرکز شما محدود است: تخصیص‌ها و کمک‌های مرکز و اقساط معوق مددجویان آن.',
    center_installments: 'اقساط معوق مددجویان مرکز شما در شهرستان {name}',
  },
  en: {
    title: 'Money', fiscal_year: 'Fiscal year', sections: 'Money sections',
    s_allocations: 'Allocations', s_donations: 'Donations and campaigns', s_overdue: 'Overdue loan installments',
    level_province: 'Allocations to provinces', level_county: 'Allocations to counties', level_center: 'Allocations to centers',
    place: 'Place', program: 'Program', amount: 'Amount (rials)', parent: "Parent's ceiling (rials)",
    siblings: 'Allocated under that ceiling (rials)', remaining: 'Left under the ceiling (rials)',
    below: 'Passed on below (rials)', unallocated: 'Not yet passed on (rials)',
    no_parent_ceiling: "The parent's ceiling is outside your scope.",
    more_rows: 'Only the first 2,000 rows are shown.', none_for_year: 'Nothing recorded for this year.',
    province_of: '{name}', county_of: '{name}',
    campaigns: 'Campaigns', campaign: 'Campaign', scope: 'Scope', national: 'National', period: 'Period',
    goal: 'Goal (rials)', raised: 'Raised (rials)', count: 'Donations', progress: 'Progress',
    by_campaign: 'Donations of fiscal year {year} by campaign', no_campaign: 'No campaign',
    cash: 'Cash (rials)', in_kind: 'In kind (rials)', total: 'Total (rials)',
    donations: 'Donations of fiscal year {year}', received_on: 'Received on', donor: 'Donor', anonymous: 'Anonymous',
    kind: 'Kind', kind_cash: 'Cash', kind_in_kind: 'In kind', description: 'Description',
    overdue_by_province: 'Overdue installments today by province', overdue_by_county: 'Overdue installments today in the counties of {name}',
    overdue_none: 'No installment is overdue today in this scope.',
    loans: 'Loans overdue', installments: 'Installments overdue', unpaid: 'Unpaid (rials)', oldest: 'Oldest due date',
    county_installments: 'Overdue installments of {name}', loan: 'Loan', client: 'Client', n: 'Installment',
    due_on: 'Due on', inst_amount: 'Installment (rials)', all_provinces: 'All provinces',
    n_installments: 'Installments', loan_title: 'Loan {id}', loan_terms: 'Terms', status: 'Status', first_due: 'First installment due',
    repaid: 'Repaid (rials)', outstanding: 'Outstanding (rials)', schedule: 'Schedule',
    state: 'State', 'st.paid': 'Paid', 'st.overdue': 'Overdue', 'st.partial': 'Partly paid', 'st.due': 'To come',
    repayments: 'Repayments', paid_on: 'Paid on',
    'loan_status.active': 'Active', 'loan_status.repaid': 'Repaid', 'loan_status.written_off': 'Written off',
    'level.province': 'Province', 'level.county': 'County', 'level.center': 'Center',
    center_scope: "These figures are your center's only: its allocations and donations, and its clients' overdue installments.",
    center_installments: "Overdue installments of your center's clients in {name}",
  },
});

const SECTIONS = ['allocations', 'donations', 'overdue'];

export function Money({ query }) {
  const user = useSignal(session);
  useSignal(lang);
  const year = yearOf(query);
  const section = SECTIONS.includes(query.get('section')) ? query.get('section') : 'allocations';
  const go = (values) => navigate(hrefWith('/console/money', { fiscal_year: year, section, ...values }));
  return html`<${Page} title=${T('title')}>
    <div class="dash-controls">
      <${SelectField} label=${T('fiscal_year')} value=${year} onChange=${(y) => go({ fiscal_year: y })}
        options=${yearChoices(year).map((y) => [y, digits(y)])} />
    </div>
    <nav class="tabs" aria-label=${T('sections')}><ul>${SECTIONS.map((s) => html`<li>
      <a href=${hrefWith('/console/money', { fiscal_year: year, section: s })}
        aria-current=${s === section ? 'page' : undefined}>${T('s_' + s)}</a></li>`)}</ul></nav>
    ${levelOf(user) >= 3 ? html`<${Notice}>${T('center_scope')}<//>` : null}
    ${section === 'allocations' ? html`<${Allocations} year=${year} />` : null}
    ${section === 'donations' ? html`<${Donations} key=${year} year=${year} />` : null}
    ${section === 'overdue' ? html`<${Overdue} user=${user} year=${year} query=${query} />` : null}
  <//>`;
}

// -- allocations ---------------------------------------------------------------------------------------------------

// The name of an allocation's place: a center's comes with the allocation (center_name), a county's and a
// province's from the lists of places.
async function placeNames(items) {
  const pmap = await provinces();
  const cmaps = new Map();
  for (const p of new Set(items.filter((a) => a.county_id && !a.center_id).map((a) => a.province)))
    cmaps.set(p, await counties(p));
  return (a) => {
    if (a.center_id) return a.center_name || '#' + digits(a.center_id);
    if (a.county_id) return T('county_of', { name: nameOf((cmaps.get(a.province) || new Map()).get(String(a.county_id)), a.county_id) });
    return T('province_of', { name: nameOf(pmap.get(a.province), a.province) });
  };
}

function Allocations({ year }) {
  const load = useLoad(async () => {
    const [all, progs] = await Promise.all([allPages('/allocations', { fiscal_year: year }), programs()]);
    return { ...all, progs, placeOf: await placeNames(all.items), of: year };
  }, [year]);
  if (load.error) return html`<${ErrorBox} error=${load.error} />`;
  // drawn only when the answer is this year's (not the year before, while this one loads)
  if (load.loading || !load.data || load.data.of !== year) return html`<${Loading} />`;
  const { items, more, progs, placeOf } = load.data;
  if (!items.length) return html`<p class="empty">${T('none_for_year')}</p>`;
  const money = (k) => (a) => num(a[k]);
  return html`${more ? html`<${Notice} kind="warn">${T('more_rows')}<//>` : null}
    ${['province', 'county', 'center'].map((level) => {
      const rows = items.filter((a) => a.level === level);
      if (!rows.length) return null;
      const columns = [
        { key: 'place', label: T('place'), render: (a) => html`<bdi>${placeOf(a)}</bdi>` },
        { key: 'program', label: T('program'), render: (a) => nameOf(progs.get(a.program), a.program) },
        { key: 'amount_rials', label: T('amount'), num: true,
          render: (a) => html`<span title=${tomanHint(a.amount_rials)}>${num(a.amount_rials)}</span>` },
      ];
      if (level !== 'province') columns.push(
        { key: 'parent_rials', label: T('parent'), num: true, render: money('parent_rials') },
        { key: 'siblings_rials', label: T('siblings'), num: true, render: money('siblings_rials') },
        { key: 'remaining', label: T('remaining'), num: true, render: (a) => (a.parent_rials === null
          ? html`<span class="muted" title=${T('no_parent_ceiling')}>—</span>`
          : html`<strong>${num(a.remaining_under_parent_rials)}</strong>`) });
      if (level !== 'center') columns.push(
        { key: 'allocated_below_rials', label: T('below'), num: true, render: money('allocated_below_rials') },
        { key: 'unallocated_rials', label: T('unallocated'), num: true, render: money('unallocated_rials') });
      return html`<section class="dash-section" aria-labelledby=${'alloc-' + level}>
        <h2 id=${'alloc-' + level}>${T('level_' + level)}</h2>
        <${DataTable} caption=${T('level_' + level) + ' — ' + T('fiscal_year') + ' ' + digits(year)} rows=${rows}
          columns=${columns} />
      </section>`;
    })}`;
}

// -- donations and campaigns ---------------------------------------------------------------------------------------

function Donations({ year }) {
  const camps = useLoad(() => allPages('/campaigns').then((r) => r.items), []);
  const report = useLoad(() => get('/reports/donations-by-campaign', { fiscal_year: year }).then((r) => r.data.items),
    [year]);
  const [cursor, setCursor] = useState(undefined);
  const list = useLoad(() => get('/donations', { fiscal_year: year, limit: 20, cursor }).then((r) => r.data),
    [year, cursor]);
  const pnames = useLoad(() => provinces(), []);
  const listHead = useFocusAfter(!list.loading, cursor);
  const pname = (code) => (code ? nameOf(pnames.data && pnames.data.get(code), code) : T('national'));
  return html`
    <section class="dash-section" aria-labelledby="don-campaigns">
      <h2 id="don-campaigns">${T('campaigns')}</h2>
      ${camps.error ? html`<${ErrorBox} error=${camps.error} />` : camps.loading ? html`<${Loading} />` : html`
        <${DataTable} caption=${T('campaigns')} rows=${camps.data} columns=${[
          { key: 'name', label: T('campaign'), render: (c) => html`<bdi>${c.name}</bdi>` },
          { key: 'province', label: T('scope'), render: (c) => pname(c.province) },
          { key: 'period', label: T('period'), render: (c) => jdate(c.starts_on) + ' – ' + jdate(c.ends_on) },
          { key: 'goal_rials', label: T('goal'), num: true, render: (c) => num(c.goal_rials) },
          { key: 'donations_rials', label: T('raised'), num: true, render: (c) => num(c.donations_rials) },
          { key: 'donations_count', label: T('count'), num: true, render: (c) => num(c.donations_count) },
          { key: 'progress', label: T('progress'), num: true,
            render: (c) => (c.goal_rials ? percent(c.donations_rials / c.goal_rials) : '—') },
        ]} />`}
    </section>
    <section class="dash-section" aria-labelledby="don-report">
      <h2 id="don-report">${T('by_campaign', { year: digits(year) })}</h2>
      ${report.error ? html`<${ErrorBox} error=${report.error} />` : report.loading ? html`<${Loading} />` : html`
        <${DataTable} caption=${T('by_campaign', { year: digits(year) })} rows=${report.data} empty=${T('none_for_year')}
          columns=${[
            { key: 'campaign', label: T('campaign'),
              render: (r) => (r.campaign_id === null ? T('no_campaign') : html`<bdi>${r.campaign}</bdi>`) },
            { key: 'donations', label: T('count'), num: true, render: (r) => num(r.donations) },
            { key: 'cash_rials', label: T('cash'), num: true, render: (r) => num(r.cash_rials) },
            { key: 'in_kind_rials', label: T('in_kind'), num: true, render: (r) => num(r.in_kind_rials) },
            { key: 'total_rials', label: T('total'), num: true, render: (r) => num(r.total_rials) },
          ]} />`}
    </section>
    <section class="dash-section" aria-labelledby="don-list">
      <h2 id="don-list" tabindex="-1" ref=${listHead}>${T('donations', { year: digits(year) })}</h2>
      ${list.error ? html`<${ErrorBox} error=${list.error} />` : list.loading ? html`<${Loading} />` : html`
        <${DataTable} caption=${T('donations', { year: digits(year) })} rows=${list.data.items}
          empty=${T('none_for_year')} columns=${[
            { key: 'received_on', label: T('received_on'), render: (d) => jdate(d.received_on) },
            { key: 'donor', label: T('donor'), render: (d) => (d.anonymous ? T('anonymous') : html`<bdi>${d.donor_name}</bdi>`) },
            { key: 'kind', label: T('kind'), render: (d) => T('kind_' + d.kind) },
            { key: 'description', label: T('description'), render: (d) => (d.description ? html`<bdi>${d.description}</bdi>` : '—') },
            { key: 'campaign', label: T('campaign'), render: (d) => (d.campaign ? html`<bdi>${d.campaign}</bdi>` : '—') },
            { key: 'province', label: T('place'), render: (d) => pname(d.province) },
            { key: 'amount_rials', label: T('amount'), num: true, render: (d) => num(d.amount_rials) },
          ]} />
        <${Pager} cursor=${cursor} next=${list.data.next_cursor} onNext=${setCursor} onFirst=${() => setCursor(undefined)} />`}
    </section>`;
}

// -- overdue loans -------------------------------------------------------------------------------------------------

function Overdue({ user, year, query }) {
  const level = levelOf(user);
  const province = query.get('province') || (level >= 1 ? user.province : '');
  // a county from the address goes to the API as a query value; only digits are a county
  const county = idParam({ county: query.get('county') }, 'county') ?? '';
  const report = useLoad(() => get('/reports/overdue-loans', { province: province || undefined })
    .then((r) => ({ of: province, items: r.data.items })), [province]);
  const names = useLoad(() => Promise.all([provinces(), province ? counties(province) : Promise.resolve(new Map())])
    .then((maps) => ({ of: province, maps })), [province]);
  // drawn only when both answers are this province's (not the one before, while the next loads)
  const ready = !report.loading && !names.loading && !!report.data && !!names.data
    && report.data.of === province && names.data.of === province;
  const head = useFocusAfter(ready, province);
  if (report.error) return html`<${ErrorBox} error=${report.error} />`;
  if (names.error) return html`<${ErrorBox} error=${names.error} />`;
  if (!ready) return html`<${Loading} />`;
  const [pmap, cmap] = names.data.maps;
  const rows = report.data.items;
  const perCounty = rows.length > 0 && rows[0].county_id !== undefined;
  const placeOf = (r) => (perCounty ? nameOf(cmap.get(String(r.county_id)), r.county_id) : nameOf(pmap.get(r.province), r.province));
  const hrefOf = (r) => hrefWith('/console/money', perCounty
    ? { fiscal_year: year, section: 'overdue', province: r.province, county: r.county_id }
    : { fiscal_year: year, section: 'overdue', province: r.province });
  const caption = province ? T('overdue_by_county', { name: nameOf(pmap.get(province), province) }) : T('overdue_by_province');
  const countyName = nameOf(cmap.get(String(county)), county);
  return html`
    ${level === 0 && province ? html`<p><a href=${hrefWith('/console/money', { fiscal_year: year, section: 'overdue' })}>${T('all_provinces')}</a></p>` : null}
    <section class="dash-section" aria-labelledby="overdue-report">
      <h2 id="overdue-report" tabindex="-1" ref=${head}>${caption}</h2>
      <${DataTable} caption=${caption} rows=${rows} empty=${T('overdue_none')} columns=${[
        { key: 'place', label: perCounty ? T('level.county') : T('level.province'),
          render: (r) => html`<a href=${hrefOf(r)}><bdi>${placeOf(r)}</bdi></a>` },
        { key: 'loans', label: T('loans'), num: true, render: (r) => num(r.loans) },
        { key: 'installments', label: T('installments'), num: true, render: (r) => num(r.installments) },
        { key: 'unpaid_rials', label: T('unpaid'), num: true, render: (r) => num(r.unpaid_rials) },
        { key: 'oldest_due_on', label: T('oldest'), render: (r) => jdate(r.oldest_due_on) },
      ]} />
    </section>
    ${county ? html`<${CountyInstallments} key=${county} county=${county}
      caption=${level >= 3 ? T('center_installments', { name: countyName }) : T('county_installments', { name: countyName })} />`
    : null}`;
}

// One county's overdue installments, a page at a time (keyed by the county: another county starts at its first page).
function CountyInstallments({ county, caption }) {
  const [cursor, setCursor] = useState(undefined);
  const list = useLoad(() => get('/loans/overdue', { county_id: county, limit: 50, cursor }).then((r) => r.data),
    [county, cursor]);
  const head = useFocusAfter(!list.loading, cursor);
  return html`<section class="dash-section" aria-labelledby="overdue-list">
    <h2 id="overdue-list" tabindex="-1" ref=${head}>${caption}</h2>
    ${list.error ? html`<${ErrorBox} error=${list.error} />` : list.loading ? html`<${Loading} />` : html`
      <${DataTable} caption=${caption} rows=${list.data.items} empty=${T('overdue_none')} columns=${[
        { key: 'loan_id', label: T('loan'), render: (x) => html`<a href=${'/console/loans/' + encodeURIComponent(x.loan_id)}>${T('loan_title', { id: digits(x.loan_id) })}</a>` },
        { key: 'client_id', label: T('client'), render: (x) => html`<a href=${'/console/clients/' + encodeURIComponent(x.client_id)}>${digits(x.client_id)}</a>` },
        { key: 'n', label: T('n'), num: true, render: (x) => num(x.n) },
        { key: 'due_on', label: T('due_on'), render: (x) => jdate(x.due_on) },
        { key: 'amount_rials', label: T('inst_amount'), num: true, render: (x) => num(x.amount_rials) },
        { key: 'unpaid_rials', label: T('unpaid'), num: true, render: (x) => num(x.unpaid_rials) },
      ]} />
      <${Pager} cursor=${cursor} next=${list.data.next_cursor} onNext=${setCursor} onFirst=${() => setCursor(undefined)} />`}
  </section>`;
}

// -- a loan --------------------------------------------------------------------------------------------------------

export function LoanPage({ params }) {
  useSignal(lang);
  // only digits reach the API's path: /console/loans/..%2Fclients%2F1 is not a loan
  const id = idParam(params);
  const loan = useLoad(() => (id === null ? Promise.resolve(null)
    : Promise.all([get('/loans/' + id), allPages('/loans/' + id + '/repayments')])
      .then(([l, r]) => ({ loan: l.data, repayments: r.items }))), [id]);
  if (id === null) return html`<${Page} title=${t('err_404')}><${ErrorBox} error=${{ status: 404 }} /><//>`;
  const title = T('loan_title', { id: digits(id) });
  if (loan.error) return html`<${Page} title=${title}><${ErrorBox} error=${loan.error} /><//>`;
  if (loan.loading || !loan.data) return html`<${Page} title=${title}><${Loading} /><//>`;
  const { loan: l, repayments } = loan.data;
  const terms = [
    [T('client'), html`<a href=${'/console/clients/' + encodeURIComponent(l.client_id)}>${digits(l.client_id)}</a>`],
    [T('amount'), num(l.amount_rials)], [T('n_installments'), num(l.installments)],
    [T('first_due'), jdate(l.first_due_on)], [T('status'), T('loan_status.' + l.status)],
    [T('repaid'), num(l.repaid_rials)], [T('outstanding'), num(l.outstanding_rials)],
  ];
  return html`<${Page} title=${title}>
    <section class="dash-section" aria-labelledby="loan-terms">
      <h2 id="loan-terms">${T('loan_terms')}</h2>
      <dl class="figures">${terms.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>
    </section>
    <section class="dash-section" aria-labelledby="loan-schedule">
      <h2 id="loan-schedule">${T('schedule')}</h2>
      <${DataTable} caption=${T('schedule')} rows=${installmentStates(l)} columns=${[
        { key: 'n', label: T('n'), num: true, render: (s) => num(s.n) },
        { key: 'due_on', label: T('due_on'), render: (s) => jdate(s.due_on) },
        { key: 'amount_rials', label: T('inst_amount'), num: true, render: (s) => num(s.amount_rials) },
        { key: 'state', label: T('state'), render: (s) => html`<span class=${s.state === 'overdue' ? 'warn' : ''}>${T('st.' + s.state)}</span>` },
      ]} />
    </section>
    <section class="dash-section" aria-labelledby="loan-repayments">
      <h2 id="loan-repayments">${T('repayments')}</h2>
      <${DataTable} caption=${T('repayments')} rows=${repayments} columns=${[
        { key: 'paid_on', label: T('paid_on'), render: (r) => jdate(r.paid_on) },
        { key: 'amount_rials', label: T('amount'), num: true, render: (r) => num(r.amount_rials) },
      ]} />
    </section>
  <//>`;
}
