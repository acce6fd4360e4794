// i18n.js - every text the console shows, Persian first, English as the alternative. Shared words and the labels
// of the API's enumerations live here; a screen keeps its own sentences beside it with strings({fa, en}).
import { signal } from './state.js';

const saved = (() => { try { return localStorage.getItem('registry.lang'); } catch { return null; } })();
export const lang = signal(saved === 'en' ? 'en' : 'fa');

function applyToPage(l) {
  if (typeof document === 'undefined') return;     // node's unit tests (web/test)
  document.documentElement.lang = l;
  document.documentElement.dir = l === 'fa' ? 'rtl' : 'ltr';
}

export function setLang(l) {
  try { localStorage.setItem('registry.lang', l); } catch { /* private mode: the choice lasts this page only */ }
  applyToPage(l);
  lang.set(l);
}
applyToPage(lang.get());

function fill(text, vars) {
  return vars ? text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m)) : text;
}

// A screen's own strings: const T = strings({fa: {...}, en: {...}}); T('key', {n: 3}).
// A key missing in English falls back to Persian; a key missing everywhere shows itself (a bug, visible).
export function strings(dict) {
  return (key, vars) => fill((dict[lang.get()] && dict[lang.get()][key]) ?? dict.fa[key] ?? key, vars);
}

// The shared words (exported for the unit test that checks English has every Persian key).
export const SHARED = {
  fa: {
    app_name: 'سامانهٔ ثبت بهزیستی',
    skip: 'رفتن به محتوای اصلی',
    loading: 'در حال بارگذاری…',
    save: 'ذخیره', cancel: 'انصراف', edit: 'ویرایش', close: 'بستن', back: 'بازگشت', search: 'جستجو',
    next_page: 'صفحهٔ بعد', first_page: 'صفحهٔ اول', none: '—', yes: 'بله', no: 'خیر', all: 'همه',
    pager: 'صفحه‌بندی', pager_of: 'صفحه‌بندی {what}',
    retry: 'تلاش دوباره', start_failed: 'سامانه در دسترس نیست',
    sign_out: 'خروج', language: 'English', language_label: 'تغییر زبان به انگلیسی',
    nav_dashboard: 'پیشخوان', nav_clients: 'مددجویان', nav_centers: 'مراکز', nav_staff: 'کارکنان',
    nav_submissions: 'ارسال‌ها', nav_money: 'اعتبارات و کمک‌ها', nav_users: 'کاربران', nav_password: 'گذرواژه',
    nav_label: 'بخش‌های سامانه', nav_api_docs: 'راهنمای API (انگلیسی)',
    rials: 'ریال', toman: 'تومان',
    // what the API's answer means to a person (problem status -> sentence)
    err_400: 'درخواست درست نبود.', err_401: 'نشست شما پایان یافته است؛ دوباره وارد شوید.',
    err_403: 'شما اجازهٔ این کار را ندارید.', err_404: 'پیدا نشد، یا در حوزهٔ دسترسی شما نیست.',
    err_409: 'با دادهٔ موجود تعارض دارد.', err_412: 'این پرونده را کس دیگری در این فاصله تغییر داده است.',
    err_413: 'فایل یا داده بیش از اندازهٔ مجاز است.', err_422: 'برخی از خانه‌ها درست پر نشده‌اند.',
    err_428: 'نسخهٔ پرونده معلوم نیست؛ صفحه را دوباره باز کنید.', err_429: 'درخواست‌ها زیاد بود؛ کمی بعد دوباره بکوشید.',
    err_503: 'پایگاه داده در دسترس نیست؛ کمی بعد دوباره بکوشید.', err_network: 'ارتباط با کارگزار برقرار نشد.',
    err_other: 'خطای پیش‌بینی‌نشده ({status}).',
    idle_signed_out: 'به دلیل {minutes} دقیقه بی‌کاری از سامانه خارج شدید.',
    expired_signed_out: 'نشست شما پایان یافته است؛ دوباره وارد شوید.',
    signed_out: 'از سامانه خارج شدید.',
    // enumerations of the API
    'role.national_admin': 'مدیر ملی', 'role.national_viewer': 'ناظر ملی', 'role.provincial_admin': 'مدیر استان',
    'role.provincial_officer': 'کارشناس استان', 'role.county_officer': 'کارشناس شهرستان',
    'role.ngo_submitter': 'کاربر سازمان مردم‌نهاد',
    'sex.female': 'زن', 'sex.male': 'مرد',
    'disability.physical': 'جسمی-حرکتی', 'disability.visual': 'بینایی', 'disability.hearing': 'شنوایی',
    'disability.speech': 'گفتاری', 'disability.intellectual': 'ذهنی', 'disability.psychosocial': 'روانی',
    'disability.autism': 'اوتیسم', 'disability.multiple': 'چندمعلولیتی',
    'severity.mild': 'خفیف', 'severity.moderate': 'متوسط', 'severity.severe': 'شدید',
    'severity.very_severe': 'خیلی شدید',
    'sector.public': 'دولتی', 'sector.ngo': 'مردم‌نهاد',
    'center_status.active': 'فعال', 'center_status.suspended': 'معلق', 'center_status.closed': 'بسته',
    'center_type.rehabilitation_day': 'توان‌بخشی روزانه', 'center_type.rehabilitation_residential': 'توان‌بخشی شبانه‌روزی',
    'center_type.vocational_training': 'آموزش حرفه‌ای', 'center_type.elderly_care': 'نگهداری سالمندان',
    'center_type.social_work_clinic': 'مددکاری اجتماعی', 'center_type.counseling': 'مشاوره',
    'center_type.addiction_outpatient': 'درمان سرپایی اعتیاد', 'center_type.addiction_residential': 'اقامتی اعتیاد',
    'center_type.children_home': 'خانهٔ کودک', 'center_type.kindergarten': 'مهدکودک',
    'center_type.mental_health_rehabilitation': 'توان‌بخشی روانی', 'center_type.genetic_counseling': 'مشاورهٔ ژنتیک',
    'center_type.social_emergency': 'اورژانس اجتماعی', 'center_type.cbr_office': 'توان‌بخشی مبتنی بر جامعه',
  },
  en: {
    app_name: 'Welfare Registry',
    skip: 'Skip to main content',
    loading: 'Loading…',
    save: 'Save', cancel: 'Cancel', edit: 'Edit', close: 'Close', back: 'Back', search: 'Search',
    next_page: 'Next page', first_page: 'First page', none: '—', yes: 'Yes', no: 'No', all: 'All',
    pager: 'Pages', pager_of: 'Pages of {what}',
    retry: 'Try again', start_failed: 'The registry is unavailable',
    sign_out: 'Sign out', language: 'فارسی', language_label: 'Switch to Persian',
    nav_dashboard: 'Dashboard', nav_clients: 'Clients', nav_centers: 'Centers', nav_staff: 'Staff',
    nav_submissions: 'Submissions', nav_money: 'Money', nav_users: 'Users', nav_password: 'Password',
    nav_label: 'Sections', nav_api_docs: 'API reference',
    rials: 'rials', toman: 'toman',
    err_400: 'The request was not right.', err_401: 'Your session has ended; please sign in again.',
    err_403: 'You are not allowed to do this.', err_404: 'Not found, or outside your scope.',
    err_409: 'This conflicts with existing data.', err_412: 'Someone else changed this record meanwhile.',
    err_413: 'The file or data is too large.', err_422: 'Some fields are not filled in correctly.',
    err_428: 'The record version is unknown; reopen the page.', err_429: 'Too many requests; try again shortly.',
    err_503: 'The database is unavailable; try again shortly.', err_network: 'Could not reach the server.',
    err_other: 'Unexpected error ({status}).',
    idle_signed_out: 'You were signed out after {minutes} minutes without activity.',
    expired_signed_out: 'Your session has ended; please sign in again.',
    signed_out: 'You have signed out.',
    'role.national_admin': 'National admin', 'role.national_viewer': 'National viewer',
    'role.provincial_admin': 'Provincial admin', 'role.provincial_officer': 'Provincial officer',
    'role.county_officer': 'County officer', 'role.ngo_submitter': 'NGO submitter',
    'sex.female': 'Female', 'sex.male': 'Male',
    'disability.physical': 'Physical', 'disability.visual': 'Visual', 'disability.hearing': 'Hearing',
    'disability.speech': 'Speech', 'disability.intellectual': 'Intellectual', 'disability.psychosocial': 'Psychosocial',
    'disability.autism': 'Autism', 'disability.multiple': 'Multiple',
    'severity.mild': 'Mild', 'severity.moderate': 'Moderate', 'severity.severe': 'Severe',
    'severity.very_severe': 'Very severe',
    'sector.public': 'Public', 'sector.ngo': 'NGO',
    'center_status.active': 'Active', 'center_status.suspended': 'Suspended', 'center_status.closed': 'Closed',
    'center_type.rehabilitation_day': 'Day rehabilitation',
    'center_type.rehabilitation_residential': 'Residential rehabilitation',
    'center_type.vocational_training': 'Vocational training', 'center_type.elderly_care': 'Elderly care',
    'center_type.social_work_clinic': 'Social work clinic', 'center_type.counseling': 'Counseling',
    'center_type.addiction_outpatient': 'Addiction outpatient',
    'center_type.addiction_residential': 'Addiction residential',
    'center_type.children_home': "Children's home", 'center_type.kindergarten': 'Kindergarten',
    'center_type.mental_health_rehabilitation': 'Mental health rehabilitation',
    'center_type.genetic_counseling': 'Genetic counseling',
    'center_type.social_emergency': 'Social emergency', 'center_type.cbr_office': 'Community-based rehabilitation',
  },
};
export const t = strings(SHARED);

// The label of an API enumeration value (kind 'role', 'sex', 'disability', 'severity', 'sector', 'center_type',
// 'center_status'); an unknown value shows as sent.
export function label(kind, value) {
  if (value === null || value === undefined || value === '') return t('none');
  const k = kind + '.' + value, s = t(k);
  return s === k ? String(value) : s;
}
