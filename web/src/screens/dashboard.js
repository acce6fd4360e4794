// dashboard.js - the dashboard and the summary report: one fiscal year (chosen on the screen, kept in the address),
// the summary for the reader's scope as a table and a bar chart, each row a link one level down (the nation's
// provinces, a province's counties, a county's own figures); below it clients by disability type and centers by
// type with occupancy and licenses expired or expiring within 90 days. Reads /reports/summary,
// /reports/clients-by-disability and /reports/centers-by-type; the API decides the scope (a province's staff
// never see another province: the API answers 404 and the screen says so).
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { get } from '../api.js';
import { strings, label, lang } from '../i18n.js';
import { navigate } from '../router.js';
import { session } from '../session.js';
import { num, digits } from '../format.js';
import { Page, ErrorBox, Notice, Loading, DataTable, BarChart, SelectField, useLoad, useSignal } from '../ui.js';
import { provinces, counties, nameOf, yearOf, yearChoices, hrefWith, percent, levelOf } from './money_places.js';
import { useFocusAfter } from './money_focus.js';

const T = strings({
  fa: {
    dashboard: 'پیشخوان', summary: 'گزارش خلاصه', fiscal_year: 'سال مالی', year_n: 'سال مالی {year}',
    trail: 'سطح گزارش', nation: 'کل کشور', province_n: 'استان {name}', county_n: 'شهرستان {name}',
    by_province: 'خلاصهٔ استان‌ها در سال مالی {year}', by_county: 'خلاصهٔ شهرستان‌های استان {name} در سال مالی {year}',
    county_figures: 'آمار شهرستان {name} در سال مالی {year}',
    place: 'محل', province: 'استان', county: 'شهرستان', total: 'جمع کل',
    centers: 'مراکز', staff: 'کارکنان', clients: 'مددجویان فعال',
    allocations: 'اعتبار تخصیصی (ریال)', donations: 'کمک‌های مردمی (ریال)',
    chart_of: 'نمودار بر پایهٔ', chart_title: '{metric} به تفکیک {level}', chart_empty: 'برای این نمودار رقمی جز صفر نیست.',
    no_summary: 'گزارش خلاصه برای کارشناسان و مدیران است؛ آمار زیر به حوزهٔ مرکز شما محدود است.',
    no_county: 'این شهرستان در استان انتخاب‌شده نیست یا در حوزهٔ دسترسی شما نیست.',
    disability_title: 'مددجویان فعال به تفکیک نوع معلولیت', disability_type: 'نوع معلولیت', over_60: 'بالای ۶۰ سال',
    share_over_60: 'سهم بالای ۶۰ سال', no_disability: 'بدون معلولیت ثبت‌شده',
    centers_title: 'مراکز به تفکیک نوع', center_type: 'نوع مرکز', capacity: 'ظرفیت', occupancy: 'ضریب اشغال',
    licenses_expired: 'مجوز منقضی', licenses_expiring: 'مجوز رو به انقضا (۹۰ روز آینده)',
    breakdown_scope_nation: 'کل حوزهٔ شما', breakdown_scope: 'استان {name}', breakdown_scope_county: 'شهرستان {name}',
  },
  en: {
    dashboard: 'Dashboard', summary: 'Summary report', fiscal_year: 'Fiscal year', year_n: 'Fiscal year {year}',
    trail: 'Report level', nation: 'Whole country', province_n: 'Province of {name}', county_n: 'County of {name}',
    by_province: 'Provinces in fiscal year {year}', by_county: 'Counties of {name} in fiscal year {year}',
    county_figures: 'County of {name} in fiscal year {year}',
    place: 'Place', province: 'Province', county: 'County', total: 'Total',
    centers: 'Centers', staff: 'Staff', clients: 'Active clients',
    allocations: 'Allocations (rials)', donations: 'Donations (rials)',
    chart_of: 'Chart of', chart_title: '{metric} by {level}', chart_empty: 'Every figure of this chart is zero.',
    no_summary: 'The summary report is for officers and admins; the figures below are those of your center.',
    no_county: 'This county is not in the chosen province, or not in your scope.',
    disability_title: 'Active clients by disability type', disability_type: 'Disability type', over_60: 'Over 60',
    share_over_60: 'Share over 60', no_disability: 'No disability recorded',
    centers_title: 'Centers by type', center_type: 'Center type', capacity: 'Capacity', occupancy: 'Occupancy',
    licenses_expired: 'License expired', licenses_expiring: 'License expiring (next 90 days)',
    breakdown_scope_nation: 'your whole scope', breakdown_scope: '{name}', breakdown_scope_county: '{name}',
  },
});

const FIGURES = [
  ['centers', 'centers'], ['staff', 'staff'], ['clients', 'clients'],
  ['allocations_rials', 'allocations'], ['donations_rials', 'donations'],
];

export function Dashboard({ query }) {
  return html`<${Summary} query=${query} path="/console/" title=${T('dashboard')} />`;
}

export function SummaryReport({ query }) {
  return html`<${Summary} query=${query} path="/console/reports/summary" title=${T('summary')} />`;
}

function Summary({ query, path, title }) {
  const user = useSignal(session);
  useSignal(lang);
  const level = levelOf(user);
  const year = yearOf(query);
  const province = query.get('province') || (level >= 1 && level <= 2 ? user.province : '');
  const county = query.get('county') || (level === 2 ? String(user.county_id) : '');
  const view = county && province ? 'county' : province ? 'province' : 'nation';

  // each answer says what it is of, so figures are drawn only under their own heading: never the year or the place
  // before while the next one loads
  const of = `${year}|${province}|${level}`;
  const summary = useLoad(() => (level >= 3 ? Promise.resolve(null)
    : get('/reports/summary', { fiscal_year: year, province: province || undefined })
      .then((r) => ({ of, items: r.data.items }))), [of]);
  const names = useLoad(() => Promise.all([provinces(), province ? counties(province) : Promise.resolve(new Map())])
    .then((maps) => ({ of: province, maps })), [province]);
  const namesReady = !names.loading && !!names.data && names.data.of === province;
  const ready = level < 3 && namesReady && !summary.loading && !!summary.data && summary.data.of === of;
  // a link or the year redraws the table under the focused control: the focus goes to the new table's heading
  const head = useFocusAfter(ready, `${of}|${county}`);

  const [pmap, cmap] = namesReady ? names.data.maps : [new Map(), new Map()];
  const provinceName = province ? nameOf(pmap.get(province), province) : '';
  const countyName = county ? nameOf(cmap.get(String(county)), county) : '';
  const setYear = (y) => navigate(hrefWith(path, { fiscal_year: y, province: query.get('province'),
    county: query.get('county') }));

  return html`<${Page} title=${title}>
    <div class="dash-controls">
      <${SelectField} label=${T('fiscal_year')} value=${year} onChange=${setYear}
        options=${yearChoices(year).map((y) => [y, digits(y)])} />
      <${Trail} level=${level} view=${view} year=${year} province=${province} provinceName=${provinceName}
        countyName=${countyName} />
    </div>
    ${level >= 3 ? html`<${Notice}>${T('no_summary')}<//>` : null}
    ${summary.error ? html`<${ErrorBox} error=${summary.error} />` : null}
    ${level < 3 && !ready && !summary.error && !names.error ? html`<${Loading} />` : null}
    ${names.error && !summary.error ? html`<${ErrorBox} error=${names.error} />` : null}
    ${ready ? (view === 'county'
      ? html`<${CountyFigures} rows=${summary.data.items} county=${county} name=${countyName} year=${year} head=${head} />`
      : html`<${SummaryTable} rows=${summary.data.items} view=${view} year=${year} pmap=${pmap} cmap=${cmap}
          province=${province} provinceName=${provinceName} head=${head} />`) : null}
    ${(view !== 'county' || level === 2) && !(summary.error && summary.error.status === 404)
      ? html`<${Breakdowns} key=${province} province=${province} scope=${!namesReady ? ''
        : level === 2 ? T('breakdown_scope_county', { name: countyName })
          : province ? T('breakdown_scope', { name: provinceName }) : T('breakdown_scope_nation')} />` : null}
  <//>`;
}

// Where this report stands: the nation, a province, a county; each level above is a link (within the scope).
function Trail({ level, view, year, province, provinceName, countyName }) {
  const link = (text, values) => html`<a href=${hrefWith('/console/reports/summary', values)}>${text}</a>`;
  const steps = [];
  if (level === 0) steps.push(view === 'nation' ? html`<span aria-current="page">${T('nation')}</span>`
    : link(T('nation'), { fiscal_year: year }));
  if (province) steps.push(view === 'province' ? html`<span aria-current="page">${T('province_n', { name: provinceName })}</span>`
    : level <= 1 ? link(T('province_n', { name: provinceName }), { fiscal_year: year, province })
      : html`<span>${T('province_n', { name: provinceName })}</span>`);
  if (view === 'county') steps.push(html`<span aria-current="page">${T('county_n', { name: countyName })}</span>`);
  if (!steps.length) return null;
  return html`<nav class="trail" aria-label=${T('trail')}><ol>${steps.map((s) => html`<li>${s}</li>`)}</ol></nav>`;
}

function SummaryTable({ rows, view, year, pmap, cmap, province, provinceName, head }) {
  const [metric, setMetric] = useState('clients');
  const perCounty = view === 'province';
  const placed = rows.map((r) => {
    const name = perCounty ? nameOf(cmap.get(String(r.county_id)), String(r.county_id))
      : nameOf(pmap.get(r.province), r.province);
    const href = hrefWith('/console/reports/summary', perCounty
      ? { fiscal_year: year, province, county: r.county_id } : { fiscal_year: year, province: r.province });
    return { ...r, name, href };
  });
  const totals = Object.fromEntries(FIGURES.map(([k]) => [k, placed.reduce((s, r) => s + Number(r[k] || 0), 0)]));
  const caption = perCounty ? T('by_county', { name: provinceName, year: digits(year) })
    : T('by_province', { year: digits(year) });
  const metricLabel = T(FIGURES.find(([k]) => k === metric)[1]);
  const bars = placed.filter((r) => Number(r[metric]) > 0).map((r) => ({ label: r.name, value: r[metric] }));
  return html`<section class="dash-section" aria-labelledby="dash-summary">
    <h2 id="dash-summary" tabindex="-1" ref=${head}>${caption}</h2>
    <div class="table-wrap" tabindex="0" role="region" aria-label=${caption}><table class="summary">
      <caption>${caption}</caption>
      <thead><tr><th scope="col">${perCounty ? T('county') : T('province')}</th>
        ${FIGURES.map(([, l]) => html`<th scope="col" class="num">${T(l)}</th>`)}</tr></thead>
      <tbody>${placed.map((r) => html`<tr key=${r.href}>
        <th scope="row"><a href=${r.href}><bdi>${r.name}</bdi></a></th>
        ${FIGURES.map(([k]) => html`<td class="num">${num(r[k])}</td>`)}</tr>`)}</tbody>
      <tfoot><tr><th scope="row">${T('total')}</th>
        ${FIGURES.map(([k]) => html`<td class="num">${num(totals[k])}</td>`)}</tr></tfoot>
    </table></div>
    <div class="chart-controls">
      <${SelectField} label=${T('chart_of')} value=${metric} onChange=${setMetric}
        options=${FIGURES.map(([k, l]) => [k, T(l)])} />
    </div>
    ${bars.length ? html`<${BarChart} title=${T('chart_title', { metric: metricLabel,
      level: perCounty ? T('county') : T('province') })} items=${bars} />`
      : html`<p class="empty">${T('chart_empty')}</p>`}
  </section>`;
}

function CountyFigures({ rows, county, name, year, head }) {
  const row = rows.find((r) => String(r.county_id) === String(county));
  if (!row) return html`<${Notice} kind="error">${T('no_county')}<//>`;
  const caption = T('county_figures', { name, year: digits(year) });
  return html`<section class="dash-section" aria-labelledby="dash-county">
    <h2 id="dash-county" tabindex="-1" ref=${head}>${caption}</h2>
    <dl class="figures">${FIGURES.map(([k, l]) => html`<div><dt>${T(l)}</dt><dd>${num(row[k])}</dd></div>`)}</dl>
  </section>`;
}

// Clients by disability type and centers by type, for the province shown (or the reader's whole scope: a county
// officer's is the county); scope names it ('' until the place names are read). Keyed by the province.
function Breakdowns({ province, scope }) {
  const q = { province: province || undefined };
  const dis = useLoad(() => get('/reports/clients-by-disability', q).then((r) => r.data.items), [province]);
  const types = useLoad(() => get('/reports/centers-by-type', q).then((r) => r.data.items), [province]);
  const disLabel = (v) => (v === 'none' ? T('no_disability') : label('disability', v));
  return html`
    <section class="dash-section" aria-labelledby="dash-disability">
      <h2 id="dash-disability">${T('disability_title')}${scope ? ` (${scope})` : ''}</h2>
      ${dis.error ? html`<${ErrorBox} error=${dis.error} />` : dis.loading ? html`<${Loading} />` : html`
        <${DataTable} caption=${T('disability_title')} rows=${dis.data} columns=${[
          { key: 'disability_type', label: T('disability_type'), render: (r) => disLabel(r.disability_type) },
          { key: 'clients', label: T('clients'), num: true, render: (r) => num(r.clients) },
          { key: 'over_60', label: T('over_60'), num: true, render: (r) => num(r.over_60) },
          { key: 'share_over_60', label: T('share_over_60'), num: true, render: (r) => percent(r.share_over_60) },
        ]} />
        ${dis.data.length ? html`<${BarChart} title=${T('disability_title')}
          items=${dis.data.map((r) => ({ label: disLabel(r.disability_type), value: r.clients }))} />` : null}`}
    </section>
    <section class="dash-section" aria-labelledby="dash-centers">
      <h2 id="dash-centers">${T('centers_title')}${scope ? ` (${scope})` : ''}</h2>
      ${types.error ? html`<${ErrorBox} error=${types.error} />` : types.loading ? html`<${Loading} />` : html`
        <${DataTable} caption=${T('centers_title')} rows=${types.data} columns=${[
          { key: 'type', label: T('center_type'), render: (r) => label('center_type', r.type) },
          { key: 'centers', label: T('centers'), num: true, render: (r) => num(r.centers) },
          { key: 'capacity', label: T('capacity'), num: true, render: (r) => num(r.capacity) },
          { key: 'clients', label: T('clients'), num: true, render: (r) => num(r.clients) },
          { key: 'occupancy', label: T('occupancy'), num: true, render: (r) => percent(r.occupancy) },
          { key: 'licenses_expired', label: T('licenses_expired'), num: true,
            render: (r) => html`<span class=${r.licenses_expired ? 'warn' : ''}>${num(r.licenses_expired)}</span>` },
          { key: 'licenses_expiring', label: T('licenses_expiring'), num: true,
            render: (r) => html`<span class=${r.licenses_expiring ? 'warn' : ''}>${num(r.licenses_expiring)}</span>` },
        ]} />`}
    </section>`;
}
