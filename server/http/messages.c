#include "server/http/messages.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

/* code (NULL: a problem detail or a word), English as the code writes it, Persian. Kept in the order of the texts'
 * kinds; tests/check_messages.py finds the entries by the M( of each. */
#define M(code, en, fa) {code, en, fa}

const message message_catalog[] = {
    /* problem details */
    M(NULL, "Internal error; quote the request id when reporting it.",
      "خطای داخلی رخ داد؛ هنگام گزارش آن، شناسهٔ درخواست را ذکر کنید."),
    M(NULL, "Invalid query parameter.", "پارامتر پرس‌وجو نامعتبر است."),
    M(NULL, "No decision was recorded.", "هیچ تصمیمی ثبت نشد."),
    M(NULL, "No such %s (or it is outside your scope).", "%s با این شناسه یافت نشد (یا خارج از حوزهٔ دسترسی شماست)."),
    M(NULL, "No such %s.", "%s با این شناسه وجود ندارد."),
    /* dispatch.c negotiate_media: the 406, the route's media types as data */
    M(NULL, "Accept allows none of the media types this resource is served as: %s",
      "سرآیند Accept هیچ‌یک از قالب‌هایی را که این منبع به آن‌ها ارائه می‌شود نمی‌پذیرد: %s"),
    M(NULL, "No such client (or it is outside your scope).",
      "مددجو با این شناسه یافت نشد (یا خارج از حوزهٔ دسترسی شماست)."),
    M(NULL, "No such file of the console.", "چنین پرونده‌ای در سامانه وجود ندارد."),
    M(NULL, "No such province in your scope.", "چنین استانی در حوزهٔ دسترسی شما وجود ندارد."),
    M(NULL, "No such record (or it is outside your scope).", "رکورد یافت نشد (یا خارج از حوزهٔ دسترسی شماست)."),
    M(NULL, "No such resource.", "چنین منبعی وجود ندارد."),
    M(NULL, "No such submission (or it is outside your scope).",
      "ارسال با این شناسه یافت نشد (یا خارج از حوزهٔ دسترسی شماست)."),
    M(NULL, "No such user.", "چنین کاربری وجود ندارد."),
    M(NULL, "The %s was not changed.", "تغییرات %s ذخیره نشد."),
    M(NULL, "The %s was not created.", "%s ثبت نشد."),
    M(NULL, "The client changed since you read it; read it again and retry the transfer.",
      "پروندهٔ مددجو پس از خواندن شما تغییر کرده است؛ آن را دوباره بخوانید و انتقال را از نو انجام دهید."),
    M(NULL, "The client was not moved.", "مددجو منتقل نشد."),
    M(NULL, "The console's pages are only read (GET).", "صفحه‌های سامانه فقط خواندنی است (GET)."),
    M(NULL, "The password was not changed.", "گذرواژه تغییر نکرد."),
    M(NULL, "The read could not be recorded in the audit trail; try again.",
      "ثبت این مشاهده در سابقهٔ حسابرسی ممکن نشد؛ دوباره تلاش کنید."),
    M(NULL, "The record changed since you read it; read it again and reapply your change.",
      "رکورد پس از خواندن شما تغییر کرده است؛ آن را دوباره بخوانید و تغییر خود را از نو اعمال کنید."),
    M(NULL, "The user changed since you read it; read it again and reapply your change.",
      "کاربر پس از خواندن شما تغییر کرده است؛ آن را دوباره بخوانید و تغییر خود را از نو اعمال کنید."),
    M(NULL, "The sign-in request is incomplete.", "درخواست ورود کامل نیست."),
    M(NULL, "The submission was not accepted.", "ارسال پذیرفته نشد."),
    M(NULL, "The summary report is for officers and admins.", "گزارش خلاصه ویژهٔ کارشناسان و مدیران است."),
    M(NULL, "The user was not changed.", "تغییرات کاربر ذخیره نشد."),
    M(NULL, "The user was not created.", "کاربر ایجاد نشد."),
    M(NULL, "You may not create a user with this role or outside your scope.",
      "شما مجاز نیستید کاربری با این نقش یا خارج از حوزهٔ خود ایجاد کنید."),
    M(NULL, "You may not give this role, or a scope outside yours.",
      "شما مجاز نیستید این نقش یا حوزه‌ای خارج از حوزهٔ خود را واگذار کنید."),
    M(NULL, "You may see this record but not change it.",
      "شما می‌توانید این رکورد را ببینید، اما مجاز به تغییر آن نیستید."),
    M(NULL, "You may see this user but not change it.",
      "شما می‌توانید این کاربر را ببینید، اما مجاز به تغییر آن نیستید."),
    M(NULL, "You may submit only for your own center.", "شما فقط برای مرکز خود مجاز به ارسال هستید."),
    M(NULL, "Your role may not do this.", "نقش شما اجازهٔ این کار را ندارد."),
    M(NULL, "Your role may read users but not create them.", "نقش شما کاربران را می‌بیند اما نمی‌تواند کاربر بسازد."),
    M(NULL, "Your role may read users but not change them.",
      "نقش شما کاربران را می‌بیند اما نمی‌تواند آنان را تغییر دهد."),
    M(NULL, "Too many requests are waiting for changes here; try again shortly.",
      "درخواست‌های بسیاری در اینجا منتظر تغییرات‌اند؛ اندکی بعد دوباره تلاش کنید."),
    M(NULL, "This is outside your scope.", "این کار خارج از حوزهٔ دسترسی شماست."),
    M(NULL, "cross-site request refused", "درخواست از پایگاه دیگر (میان‌پایگاهی) پذیرفته نشد."),
    M(NULL, "Sign in first, then send Authorization: Bearer TOKEN.",
      "نخست وارد سامانه شوید، سپس سرآیند Authorization: Bearer TOKEN را بفرستید."),
    M(NULL, "The Authorization header is not a bearer token.", "سرآیند Authorization حاوی توکن Bearer نیست."),
    M(NULL, "The session has ended or the token is not valid; sign in again.",
      "نشست شما پایان یافته یا توکن معتبر نیست؛ دوباره وارد شوید."),
    M(NULL, "Wrong username or password.", "نام کاربری یا گذرواژه نادرست است."),
    M(NULL, "Too many searches, exports or reports; wait a little.",
      "شمار جست‌وجوها، خروجی‌ها یا گزارش‌ها از حد مجاز گذشته است؛ اندکی صبر کنید."),
    M(NULL, "Too many failed password checks for this user; try again later.",
      "تلاش‌های ناموفق برای گذرواژهٔ این کاربر از حد مجاز گذشته است؛ بعداً دوباره تلاش کنید."),
    M(NULL, "Too many failed sign-ins for this user or from this address; try again later.",
      "ورودهای ناموفق این کاربر یا این نشانی از حد مجاز گذشته است؛ بعداً دوباره تلاش کنید."),
    M(NULL, "Too many password checks at once for this user or from this address; try again shortly.",
      "بررسی‌های هم‌زمان گذرواژه برای این کاربر یا از این نشانی بیش از حد مجاز است؛ اندکی بعد دوباره تلاش کنید."),
    M(NULL, "Too many password checks at once; try again shortly.",
      "بررسی‌های هم‌زمان گذرواژه بیش از حد مجاز است؛ اندکی بعد دوباره تلاش کنید."),
    M(NULL, "Too many password operations at once; try again shortly.",
      "عملیات هم‌زمان گذرواژه بیش از حد مجاز است؛ اندکی بعد دوباره تلاش کنید."),
    M(NULL, "Too many sign-ins at once; try again shortly.",
      "ورودهای هم‌زمان بیش از حد مجاز است؛ اندکی بعد دوباره تلاش کنید."),
    M(NULL, "The database could not complete the request in time; try again shortly.",
      "پایگاه داده نتوانست درخواست را به‌موقع انجام دهد؛ اندکی بعد دوباره تلاش کنید."),
    M(NULL, "The database does not answer.", "پایگاه داده پاسخ نمی‌دهد."),
    M(NULL, "The database is unavailable; try again shortly.",
      "پایگاه داده در دسترس نیست؛ اندکی بعد دوباره تلاش کنید."),
    M(NULL, "The server is busy; try again shortly.",
      "سرور سرگرم پاسخ به درخواست‌های دیگر است؛ اندکی بعد دوباره تلاش کنید."),
    M(NULL, "The fields do not fit together or refer to something that does not exist.",
      "مقادیر فیلدها با هم سازگار نیست یا به رکوردی اشاره دارد که وجود ندارد."),
    M(NULL, "The record breaks a rule of the registry.", "رکورد با یکی از قواعد سامانه مغایرت دارد."),
    M(NULL, "A record of this submission lies outside your scope (e.g. a client of another county); nothing was "
      "applied. "
      "An officer whose scope holds it may approve it.",
      "یکی از رکوردهای این ارسال خارج از حوزهٔ دسترسی شماست (مثلاً مددجویی از شهرستان دیگر)؛ هیچ تغییری اعمال نشد. "
      "کارشناسی که این رکورد در حوزهٔ اوست می‌تواند آن را تأیید کند."),
    M(NULL, "A record with the same unique value already exists.", "رکوردی با همین مقدار یکتا پیش‌تر ثبت شده است."),
    M(NULL, "A campaign of this name already exists (nationally or in this province).",
      "پویشی با این نام پیش‌تر ثبت شده است (در سطح کشور یا در این استان)."),
    M(NULL, "A center of this name already exists in this county.",
      "مرکزی با این نام پیش‌تر در این شهرستان ثبت شده است."),
    M(NULL, "A center with this license number already exists.", "مرکزی با این شمارهٔ مجوز پیش‌تر ثبت شده است."),
    M(NULL, "A client with this national ID is already registered.", "مددجویی با این کد ملی پیش‌تر ثبت شده است."),
    M(NULL, "A program with this code already exists.", "برنامه‌ای با این کد پیش‌تر ثبت شده است."),
    M(NULL, "A staff member with this national ID is already registered.", "کارمندی با این کد ملی پیش‌تر ثبت شده است."),
    M(NULL, "A user with this username exists.", "کاربری با این نام کاربری وجود دارد."),
    M(NULL, "An allocation for this fiscal year, program and place already exists; change its amount instead.",
      "تخصیصی برای این سال مالی، برنامه و محل پیش‌تر ثبت شده است؛ به‌جای آن، مبلغ همان تخصیص را تغییر دهید."),
    M(NULL, "A submission may be at most 5 MB; send the records in several batches.",
      "حجم هر ارسال حداکثر ۵ مگابایت است؛ رکوردها را در چند بسته بفرستید."),
    M(NULL, "Send an Idempotency-Key header (1 to 200 visible ASCII characters), so a retry cannot create the "
      "submission "
      "twice.",
      "سرآیند Idempotency-Key را (۱ تا ۲۰۰ نویسهٔ دیدنی ASCII) بفرستید تا تکرار درخواست، ارسال را دو بار ثبت نکند."),
    M(NULL, "This Idempotency-Key was used for a different submission; use a new key.",
      "این Idempotency-Key پیش‌تر برای ارسال دیگری به کار رفته است؛ کلید تازه‌ای به کار ببرید."),
    M(NULL, "Some records are now duplicates of registered people (national ID); nothing was applied. Reject the "
      "submission, or have it corrected and resent.",
      "برخی رکوردها اکنون با افراد ثبت‌شده (کد ملی) تکراری است؛ هیچ تغییری اعمال نشد. ارسال را رد کنید یا بخواهید "
      "اصلاح و دوباره فرستاده شود."),
    M(NULL, "Some records are registered outside the submission's center; exclude them to approve the others. Nothing "
      "was applied.",
      "برخی رکوردها خارج از مرکز این ارسال ثبت شده است؛ برای تأیید بقیه، آن‌ها را کنار بگذارید. هیچ تغییری اعمال "
      "نشد."),
    M(NULL, "This submission has been decided already.", "دربارهٔ این ارسال پیش‌تر تصمیم گرفته شده است."),
    M(NULL, "This submission was decided by someone else meanwhile.",
      "در این فاصله، کاربر دیگری دربارهٔ این ارسال تصمیم گرفته است."),
    M(NULL, "You have %d submissions awaiting review, the most one user may have (submission_pending_max); send more "
      "once an officer has decided some.",
      "شما %d ارسال در انتظار بررسی دارید که بیشترین تعداد مجاز برای هر کاربر است (submission_pending_max)؛ پس از "
      "آنکه کارشناس دربارهٔ برخی از آن‌ها تصمیم گرفت، ارسال تازه بفرستید."),
    M(NULL, "You may send at most %d records in submissions in 24 hours (submission_records_per_day); send this batch "
      "later (Retry-After) or ask an administrator.",
      "شما در هر ۲۴ ساعت حداکثر %d رکورد می‌توانید بفرستید (submission_records_per_day)؛ این بسته را بعداً بفرستید "
      "(Retry-After) یا از مدیر سامانه کمک بخواهید."),
    M(NULL, "Your submissions awaiting review would hold more than %ld bytes (submission_pending_bytes); send more "
      "once "
      "an officer has decided some.",
      "حجم ارسال‌های در انتظار بررسی شما از %ld بایت بیشتر می‌شود (submission_pending_bytes)؛ پس از آنکه کارشناس "
      "دربارهٔ برخی از آن‌ها تصمیم گرفت، ارسال تازه بفرستید."),
    M(NULL, "Send If-Match with the ETag you last read, so a concurrent change is not lost.",
      "سرآیند If-Match را با آخرین ETag خوانده‌شده بفرستید تا تغییر هم‌زمان دیگران از میان نرود."),
    M(NULL, "The body is not acceptable JSON: %s.", "بدنهٔ درخواست JSON پذیرفتنی نیست: %s."),
    M(NULL, "The body is not valid JSON: %s.", "بدنهٔ درخواست JSON معتبر نیست: %s."),
    M(NULL, "The body is too large.", "بدنهٔ درخواست بیش از حد بزرگ است."),
    M(NULL, "The body must be JSON (Content-Type: application/json).",
      "بدنهٔ درخواست باید JSON باشد (Content-Type: application/json)."),
    M(NULL, "The request body is empty; a JSON document is expected.", "بدنهٔ درخواست خالی است؛ یک سند JSON لازم است."),
    M(NULL, "The path holds an invalid percent-encoding or bytes that are not UTF-8.",
      "مسیر درخواست کدگذاری درصدی نامعتبر یا بایت‌های غیر UTF-8 دارد."),
    M(NULL, "The query string is malformed.", "رشتهٔ پرس‌وجو ساختار درستی ندارد."),
    M(NULL, "The request target holds an invalid percent-encoding.", "نشانی درخواست کدگذاری درصدی نامعتبر دارد."),
    M(NULL, "The request target holds control characters.", "نشانی درخواست نویسهٔ کنترلی دارد."),
    M(NULL, "This method is not allowed on this resource.", "این روش درخواست برای این منبع مجاز نیست."),
    M(NULL, "A HEAD request has no body.", "درخواست HEAD بدنه ندارد."),
    M(NULL, "A chunk's data does not end where its size says.",
      "دادهٔ یکی از تکه‌ها در جایی که اندازه‌اش نشان می‌دهد پایان نمی‌یابد."),
    M(NULL, "A chunk-size line is malformed.", "سطر اندازهٔ تکه ساختار درستی ندارد."),
    M(NULL, "A chunk-size line is too long.", "سطر اندازهٔ تکه بیش از حد طولانی است."),
    M(NULL, "A header field is folded over lines (obs-fold), which is not accepted.",
      "یکی از سرآیندها در چند سطر شکسته شده است (obs-fold) که پذیرفته نمی‌شود."),
    M(NULL, "A header field is malformed (name, then a colon at once, then printable text).",
      "یکی از سرآیندها ساختار درستی ندارد (نام، بی‌فاصله دونقطه، سپس متن چاپ‌شدنی)."),
    M(NULL, "A request may not carry both Transfer-Encoding and Content-Length.",
      "درخواست نمی‌تواند هم Transfer-Encoding و هم Content-Length داشته باشد."),
    M(NULL, "A trailer field is malformed.", "یکی از سرآیندهای پایانی ساختار درستی ندارد."),
    M(NULL, "An HTTP/1.1 request must carry exactly one Host header field.",
      "درخواست HTTP/1.1 باید دقیقاً یک سرآیند Host داشته باشد."),
    M(NULL, "Content-Length must be a decimal number of bytes.", "Content-Length باید عددی دهدهی (شمار بایت‌ها) باشد."),
    M(NULL, "Every line of the request head must end with CRLF.",
      "هر سطر از سرآیندهای درخواست باید با CRLF پایان یابد."),
    M(NULL, "No transfer coding but chunked is implemented.", "جز chunked، هیچ کدگذاری انتقالی پیاده‌سازی نشده است."),
    M(NULL, "Only \"Expect: 100-continue\" is understood.", "تنها \"Expect: 100-continue\" پشتیبانی می‌شود."),
    M(NULL, "Only HTTP/1.1 and HTTP/1.0 are served.", "تنها HTTP/1.1 و HTTP/1.0 پشتیبانی می‌شود."),
    M(NULL, "The request body is larger than this server accepts.",
      "بدنهٔ درخواست از اندازهٔ پذیرفتنی این سرور بزرگ‌تر است."),
    M(NULL, "The request has too many header fields.", "شمار سرآیندهای درخواست بیش از حد مجاز است."),
    M(NULL, "The request has two different Content-Length values.",
      "درخواست دو مقدار متفاوت برای Content-Length دارد."),
    M(NULL, "The request head does not end with an empty line.", "سرآیندهای درخواست با سطر خالی پایان نمی‌یابد."),
    M(NULL, "The request line is malformed (method SP target SP version).",
      "سطر درخواست ساختار درستی ندارد (روش، فاصله، نشانی، فاصله، نسخه)."),
    M(NULL, "The request line is too long.", "سطر درخواست بیش از حد طولانی است."),
    M(NULL, "The request target holds a character it may not hold.", "نشانی درخواست نویسه‌ای دارد که مجاز نیست."),
    M(NULL, "The request target must be a path.", "نشانی درخواست باید یک مسیر باشد."),
    M(NULL, "The request's header fields are too large.", "سرآیندهای درخواست بیش از حد بزرگ است."),
    M(NULL, "The request's trailer fields are too large.", "سرآیندهای پایانی درخواست بیش از حد بزرگ است."),
    M(NULL, "This method is not implemented.", "این روش درخواست پیاده‌سازی نشده است."),
    M(NULL, "Transfer-Encoding is not allowed in an HTTP/1.0 request.",
      "Transfer-Encoding در درخواست HTTP/1.0 مجاز نیست."),
    M(NULL, "Transfer-Encoding must be one field reading chunked.",
      "Transfer-Encoding باید یک سرآیند با مقدار chunked باشد."),
    M(NULL, "Transfer-Encoding must end with chunked, once.",
      "Transfer-Encoding باید یک بار و در پایان، chunked داشته باشد."),
    /* resource names, carried into templates */
    M(NULL, "allocation", "تخصیص اعتبار"),
    M(NULL, "campaign", "پویش"),
    M(NULL, "center", "مرکز"),
    M(NULL, "client", "مددجو"),
    M(NULL, "donation", "کمک مردمی"),
    M(NULL, "enrollment", "ثبت‌نام در برنامه"),
    M(NULL, "household", "خانوار"),
    M(NULL, "loan", "وام"),
    M(NULL, "repayment", "بازپرداخت"),
    M(NULL, "service", "خدمت"),
    M(NULL, "staff", "کارمند"),
    M(NULL, "submission", "ارسال"),
    M(NULL, "user", "کاربر"),
    M(NULL, "program", "برنامه"),
    M(NULL, "record", "رکورد"),
    /* field errors: code "x" is field.x, "a.b" whole */
    M("taken", "is already taken", "پیش‌تر گرفته شده است."),
    M("taken", "a campaign of this name already exists", "پویشی با این نام پیش‌تر ثبت شده است."),
    M("taken", "a center of this name already exists in this county",
      "مرکزی با این نام پیش‌تر در این شهرستان ثبت شده است."),
    M("taken", "a client with this national ID is already registered", "مددجویی با این کد ملی پیش‌تر ثبت شده است."),
    M("taken", "a staff member with this national ID is already registered",
      "کارمندی با این کد ملی پیش‌تر ثبت شده است."),
    M("taken", "an allocation for this fiscal year, program and place already exists",
      "تخصیصی برای این سال مالی، برنامه و محل پیش‌تر ثبت شده است."),
    M("taken", "another center has this license number", "مرکز دیگری همین شمارهٔ مجوز را دارد."),
    M("taken", "another program has this code", "برنامهٔ دیگری همین کد را دارد."),
    M("query.too_many", "a request may have at most %d query parameters",
      "هر درخواست حداکثر %d پارامتر پرس‌وجو می‌تواند داشته باشد."),
    M("query.name_not_utf8", "a query parameter's name is not valid UTF-8",
      "نام یکی از پارامترهای پرس‌وجو متن UTF-8 معتبری نیست."),
    M("query.not_utf8", "is not valid UTF-8 (after percent-decoding)",
      "مقدار این پارامتر (پس از رمزگشایی درصدی) متن UTF-8 معتبری نیست."),
    M("query.repeated", "is given more than once; give each query parameter at most once",
      "این پارامتر بیش از یک بار آمده است؛ هر پارامتر پرس‌وجو را حداکثر یک بار بفرستید."),
    M("boolean", "is true or false", "مقدار این پارامتر باید true یا false باشد."),
    M("nothing_to_change", "nothing to change: send the fields to change",
      "تغییری فرستاده نشده است؛ فیلدهایی را که باید تغییر کنند بفرستید."),
    M("not_in_scope", "is not a center in your scope", "این مرکز در حوزهٔ دسترسی شما نیست."),
    M("required", "is required: the center the records are submitted for",
      "مرکزی که رکوردها برای آن فرستاده می‌شود باید مشخص شود."),
    M("records.quota_bytes", "would take %zu bytes stored, more than your quota of bytes awaiting review "
      "(submission_pending_bytes, %ld); "
      "send smaller batches",
      "این ارسال %zu بایت جا می‌گیرد که از سهمیهٔ شما برای ارسال‌های در انتظار بررسی (submission_pending_bytes، "
      "%ld) بیشتر است؛ بسته‌های کوچک‌تری بفرستید."),
    M("records.data.too_long", "is longer than %lld characters", "این مقدار از %lld نویسه بلندتر است."),
    M("records.data.too_large", "is too large (at most %zu bytes of JSON)",
      "این مقدار بیش از حد بزرگ است (حداکثر %zu بایت JSON)."),
    M("records.data.too_large", "is too large (at most %d bytes of JSON)",
      "این مقدار بیش از حد بزرگ است (حداکثر %d بایت JSON)."),
    M("records.not_object", "must be an object {\"kind\": \"client\"|\"staff\"|\"service\", \"data\": {...}}",
      "هر رکورد باید شیئی به شکل {\"kind\": \"client\"|\"staff\"|\"service\", \"data\": {...}} باشد."),
    M("records.unknown_part", "is not a part of a record (kind, data)", "این کلید جزو اجزای رکورد (kind و data) نیست."),
    M("records.kind.choice", "must be client, staff or service", "نوع رکورد باید client، staff یا service باشد."),
    M("records.data.not_object", "must be an object holding the record's fields",
      "data باید شیئی دربردارندهٔ فیلدهای رکورد باشد."),
    M("records.data.unknown_field", "is not a field of a %s record", "این فیلد جزو فیلدهای رکورد %s نیست."),
    M("duplicate_in_batch", "appears twice in this submission (also record %d)",
      "این مقدار در همین ارسال دو بار آمده است (در رکورد %d نیز)."),
    M("records.empty", "must be a non-empty list of records", "records باید فهرستی ناخالی از رکوردها باشد."),
    M("records.too_many", "may hold at most 1000 records; send several batches",
      "هر ارسال حداکثر ۱۰۰۰ رکورد می‌تواند داشته باشد؛ رکوردها را در چند بسته بفرستید."),
    M("records.quota_records", "may hold at most %d records, your quota of records a day "
      "(submission_records_per_day); send smaller batches",
      "این ارسال حداکثر %d رکورد، یعنی سهمیهٔ روزانهٔ شما (submission_records_per_day)، می‌تواند داشته باشد؛ "
      "بسته‌های کوچک‌تری بفرستید."),
    M("not_valid_record", "record %s is not a valid record of this submission",
      "رکورد %s از رکوردهای معتبر این ارسال نیست."),
    M("records.registered_elsewhere", "its national ID is registered outside the submission's center; exclude it "
      "(\"exclude\": [{\"index\": %s, "
      "\"reason\": \"...\"}]) to approve the others",
      "کد ملی این رکورد خارج از مرکز این ارسال ثبت شده است؛ برای تأیید بقیه، آن را کنار بگذارید (\"exclude\": "
      "[{\"index\": %s, \"reason\": \"...\"}])."),
    M("required", "is required to reject: the NGO needs to know what to fix",
      "برای رد ارسال، ذکر دلیل الزامی است: سازمان مردم‌نهاد باید بداند چه چیزی را اصلاح کند."),
    M("only_for_approval", "is only for an approval", "این فیلد تنها برای تأیید به کار می‌رود."),
    M("type", "must be a list of {\"index\", \"reason\"} (at most %d)",
      "باید فهرستی از {\"index\", \"reason\"} باشد (حداکثر %d مورد)."),
    M("exclude.item_shape", "must be {\"index\": a record's index, \"reason\": 1 to 500 characters}",
      "هر مورد باید به شکل {\"index\": شمارهٔ رکورد، \"reason\": ۱ تا ۵۰۰ نویسه} باشد."),
    M("exclude.reason_required", "needs a reason: the NGO is told it",
      "ذکر دلیل لازم است: این دلیل به سازمان مردم‌نهاد اعلام می‌شود."),
    M("exclude.twice", "excludes record %s twice", "رکورد %s دو بار کنار گذاشته شده است."),
    /* the registry's rules, raised by the database (RA422): "field: message" */
    M("over_parent", "the counties of %s would be allocated %s rials for %s in %s, more than the province's %s rials",
      "با این تخصیص، به شهرستان‌های %s مبلغ %s ریال برای %s در سال %s تخصیص می‌یابد که از مبلغ %s ریالی استان "
      "بیشتر است."),
    M("over_parent", "the centers of county %s would be allocated %s rials for %s in %s, more than the county's %s "
      "rials",
      "با این تخصیص، به مراکز شهرستان %s مبلغ %s ریال برای %s در سال %s تخصیص می‌یابد که از مبلغ %s ریالی شهرستان "
      "بیشتر است."),
    M("below_children", "the %s rials already allocated below would exceed this allocation's %s rials",
      "%s ریالی که پیش‌تر به سطوح پایین‌تر تخصیص یافته، از مبلغ %s ریالی این تخصیص بیشتر می‌شود."),
    M("over_loan", "this repayment would bring the total repaid to %s rials, more than the loan's %s rials",
      "با این بازپرداخت، جمع بازپرداخت‌ها به %s ریال می‌رسد که از مبلغ %s ریالی وام بیشتر است."),
    M("not_usable", "center %s is not one you may use", "شما مجاز به استفاده از مرکز %s نیستید."),
    M("other_province", "center %s is in another province than this record",
      "مرکز %s در استانی جز استان این رکورد است."),
    M("not_usable", "household %s is not one you may use here", "شما مجاز نیستید خانوار %s را در اینجا به کار ببرید."),
    M("not_found", "there is no county %s", "شهرستان %s وجود ندارد."),
    M("not_found", "there is no province %s", "استان %s وجود ندارد."),
    M("not_usable", "campaign %s is not one you may use", "شما مجاز به استفاده از پویش %s نیستید."),
    M("other_province", "campaign %s is of another province", "پویش %s متعلق به استان دیگری است."),
    M("other_province", "campaign %s is of another province than this donation",
      "پویش %s متعلق به استانی جز استان این کمک است."),
    M("still_owed", "%s rials are still owed; a loan becomes repaid by its repayments",
      "هنوز %s ریال از وام پرداخت نشده است؛ وام تنها با بازپرداخت‌هایش تسویه می‌شود."),
    M("repaid", "the loan is repaid in full; its status stays repaid",
      "وام به‌طور کامل بازپرداخت شده است؛ وضعیت آن «تسویه‌شده» باقی می‌ماند."),
    M("stays_anonymous", "an anonymous donation stays anonymous (the donor's name is never shown)",
      "کمک بی‌نام، بی‌نام می‌ماند (نام نیکوکار هرگز نمایش داده نمی‌شود)."),
    M("ambiguous", "several campaigns have this name; send its id",
      "چند پویش همین نام را دارند؛ شناسهٔ پویش را بفرستید."),
    M("not_found", "there is no such campaign that this donation may name (a national campaign or one of the "
      "donation's "
      "province)",
      "چنین پویشی که این کمک بتواند به آن نسبت داده شود وجود ندارد (پویشی ملی یا پویشی از استان همین کمک)."),
    M("has_clients", "this center has %s active clients; transfer them to a center of the new county first (POST "
      "/api/v1/clients/{id}/transfer), then move the center",
      "این مرکز %s مددجوی فعال دارد؛ نخست آنان را به مرکزی در شهرستان جدید منتقل کنید (POST "
      "/api/v1/clients/{id}/transfer)، سپس مرکز را جابه‌جا کنید."),
    M("has_money", "allocations or donations are recorded at this center in its county's budget; a center with money "
      "recorded "
      "does not move to another county",
      "برای این مرکز، تخصیص یا کمک مردمی در بودجهٔ شهرستانش ثبت شده است؛ مرکزی که سابقهٔ مالی دارد به شهرستان "
      "دیگری منتقل نمی‌شود."),
};
const int message_catalog_count = (int)(sizeof(message_catalog) / sizeof(message_catalog[0]));

const char *status_title_fa(int status)
{
    switch (status) {
    case 400: return "درخواست نادرست";
    case 401: return "نیاز به ورود";
    case 403: return "دسترسی مجاز نیست";
    case 404: return "یافت نشد";
    case 405: return "روش درخواست مجاز نیست";
    case 406: return "قالب درخواستی پشتیبانی نمی‌شود";
    case 408: return "مهلت درخواست به پایان رسید";
    case 409: return "تعارض با وضعیت کنونی";
    case 411: return "طول محتوا مشخص نیست";
    case 412: return "پیش‌شرط برقرار نیست";
    case 413: return "محتوای درخواست بیش از حد بزرگ است";
    case 414: return "نشانی درخواست بیش از حد طولانی است";
    case 415: return "نوع محتوا پشتیبانی نمی‌شود";
    case 417: return "انتظار درخواست برآورده نمی‌شود";
    case 422: return "داده‌ها نامعتبر است";
    case 428: return "پیش‌شرط لازم است";
    case 429: return "درخواست‌ها بیش از حد مجاز است";
    case 431: return "سرآیندهای درخواست بیش از حد بزرگ است";
    case 500: return "خطای داخلی سرور";
    case 501: return "پیاده‌سازی نشده است";
    case 503: return "سرویس در دسترس نیست";
    case 504: return "مهلت پاسخ به پایان رسید";
    case 505: return "نسخهٔ HTTP پشتیبانی نمی‌شود";
    default: return NULL;
    }
}

/* The hashes ------------------------------------------------------------------------------------------------- */

/* Open addressing over (key, length) -> entry index; a key may repeat (two templates with one start), so a lookup
 * walks every slot of its key. Sized at start, never resized: the catalog is fixed. */
typedef struct slot {
    const char *key;
    size_t len;
    int entry;
} slot;

typedef struct table {
    slot *slots;
    size_t mask;
    size_t lens[48];        /* the template tables: the distinct key lengths, each a probe of a lookup */
    int nlens;
} table;

static table exact, prefixes, suffixes;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int unfit;

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;    /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static void table_make(table *t, size_t n)
{
    size_t size = 16;
    while (size < 2 * n)
        size <<= 1;
    t->slots = calloc(size, sizeof(slot));
    if (!t->slots)
        abort();
    t->mask = size - 1;
}

static void table_put(table *t, const char *key, size_t len, int entry)
{
    size_t i = (size_t)hash(key, len) & t->mask;
    while (t->slots[i].key)
        i = (i + 1) & t->mask;
    t->slots[i] = (slot){key, len, entry};
    if (t == &exact)
        return;
    for (int k = 0; k < t->nlens; k++)
        if (t->lens[k] == len)
            return;
    if (t->nlens < (int)(sizeof(t->lens) / sizeof(t->lens[0])))
        t->lens[t->nlens++] = len;
    else
        unfit++;
}

/* A conversion at p ("%s", "%d", "%zu", "%lld"...): its length, 0 when p is not one. "%%" is not a conversion. */
static size_t conversion(const char *p, char *kind)
{
    if (p[0] != '%' || p[1] == '%')
        return 0;
    size_t n = 1;
    while (p[n] == 'l' || p[n] == 'z')
        n++;
    if (p[n] != 's' && p[n] != 'd' && p[n] != 'u')
        return 0;
    if (kind)
        *kind = p[n];
    return n + 1;
}

static int conversions(const char *s, char *kinds, int max)
{
    int n = 0;
    for (const char *p = s; *p; p++) {
        char k;
        size_t c = conversion(p, &k);
        if (c) {
            if (n < max)
                kinds[n] = k;
            n++;
            p += c - 1;
        }
    }
    return n;
}

static void build(void)
{
    int n = message_catalog_count;
    table_make(&exact, (size_t)n);
    table_make(&prefixes, (size_t)n);
    table_make(&suffixes, (size_t)n);
    for (int i = 0; i < n; i++) {
        const message *m = &message_catalog[i];
        table_put(&exact, m->en, strlen(m->en), i);
        char ke[8], kf[8];
        int ce = conversions(m->en, ke, 8), cf = conversions(m->fa, kf, 8);
        if (ce != cf || ce > 8 || memcmp(ke, kf, (size_t)(ce < 8 ? ce : 8)) != 0) {
            log_msg(LOG_ERROR, NULL, "messages: the Persian of \"%s\" has other conversions", m->en);
            unfit++;
            continue;
        }
        if (!ce)
            continue;
        /* a template is found by its literal start, or its literal end when it starts with data */
        size_t first = strcspn(m->en, "%");
        if (first)
            table_put(&prefixes, m->en, first, i);
        else {
            const char *last = m->en;
            for (const char *p = m->en; *p; p++) {
                size_t c = conversion(p, NULL);
                if (c)
                    last = p + c, p += c - 1;
            }
            if (!*last) {
                log_msg(LOG_ERROR, NULL, "messages: the template \"%s\" has no literal start or end", m->en);
                unfit++;
                continue;
            }
            table_put(&suffixes, last, strlen(last), i);
        }
    }
}

int messages_init(void)
{
    pthread_once(&once, build);
    return unfit;
}

/* Template matching ------------------------------------------------------------------------------------------- */

typedef struct capture {
    const char *p;
    size_t n;
} capture;

#define MAX_CAPTURES 8

/* Does text match template t from here? Numbers take digits (and a sign); text takes one or more characters, as
 * few as let the rest match. Fills caps; returns how many literal characters matched (the specificity), -1: no.
 * *budget bounds the steps: a text carries data (a program's name) that could make the backtracking long. */
static int match_from(const char *t, const char *s, capture *caps, int ncap, long *budget)
{
    int lit = 0;
    while (*t) {
        if (--*budget < 0)
            return -1;
        char kind;
        size_t c = conversion(t, &kind);
        if (!c) {
            if (*t != *s)
                return -1;
            t++, s++, lit++;
            continue;
        }
        if (ncap >= MAX_CAPTURES)
            return -1;
        t += c;
        if (kind != 's') {
            size_t n = (*s == '-') ? 1 : 0;
            size_t d = strspn(s + n, "0123456789");
            if (!d)
                return -1;
            caps[ncap++] = (capture){s, n + d};
            s += n + d;
            continue;
        }
        for (size_t n = 1; s[n - 1]; n++) {
            caps[ncap] = (capture){s, n};
            int rest = match_from(t, s + n, caps, ncap + 1, budget);
            if (rest >= 0)
                return lit + rest;
        }
        return -1;
    }
    return *s ? -1 : lit;
}

static int match(const char *t, const char *s, capture *caps, int ncap)
{
    long budget = 200000;
    return match_from(t, s, caps, ncap, &budget);
}

static const message *find_exact(const char *s, size_t n)
{
    for (size_t i = (size_t)hash(s, n) & exact.mask; exact.slots[i].key; i = (i + 1) & exact.mask)
        if (exact.slots[i].len == n && !memcmp(exact.slots[i].key, s, n) && !exact.slots[i].key[n])
            return &message_catalog[exact.slots[i].entry];
    return NULL;
}

/* The best template of table t whose key is text's start (or end) of a length the table holds. */
static const message *find_template(const table *t, const char *text, size_t len, bool at_end,
                                    const message *best, int *best_lit)
{
    capture caps[MAX_CAPTURES];
    for (int k = 0; k < t->nlens; k++) {
        size_t kl = t->lens[k];
        if (kl > len)
            continue;
        const char *key = at_end ? text + len - kl : text;
        for (size_t i = (size_t)hash(key, kl) & t->mask; t->slots[i].key; i = (i + 1) & t->mask) {
            const slot *sl = &t->slots[i];
            if (sl->len != kl || memcmp(sl->key, key, kl) != 0)
                continue;
            const message *m = &message_catalog[sl->entry];
            int lit = match(m->en, text, caps, 0);
            if (lit > *best_lit)
                best = m, *best_lit = lit;
        }
    }
    return best;
}

const message *message_find(const char *en)
{
    if (!en)
        return NULL;
    messages_init();
    size_t len = strlen(en);
    const message *m = find_exact(en, len);
    if (m)
        return m;
    int lit = -1;
    m = find_template(&prefixes, en, len, false, NULL, &lit);
    return find_template(&suffixes, en, len, true, m, &lit);
}

const char *message_fa(const message *m, const char *text, char *out, size_t size)
{
    if (!m)
        m = message_find(text);
    if (!m || !size)
        return NULL;
    capture caps[MAX_CAPTURES];
    int ncap = 0;
    if (strcmp(m->en, text) != 0) {
        if (match(m->en, text, caps, 0) < 0)
            return NULL;
        char kinds[MAX_CAPTURES];
        ncap = conversions(m->en, kinds, MAX_CAPTURES);
    }
    size_t o = 0;
    int k = 0;
    for (const char *p = m->fa; *p && o + 1 < size;) {
        size_t c = ncap ? conversion(p, NULL) : 0;
        if (!c) {
            out[o++] = *p++;
            continue;
        }
        p += c;
        /* data the catalog knows (a resource's name) is carried over in Persian */
        char word[64];
        const char *v = caps[k].p;
        size_t n = caps[k].n;
        k++;
        if (n < sizeof(word)) {
            memcpy(word, v, n);
            word[n] = '\0';
            const message *w = find_exact(word, n);
            if (w && !w->code && !strchr(w->en, '%'))
                v = w->fa, n = strlen(w->fa);
        }
        if (n > size - 1 - o)
            n = size - 1 - o;
        memcpy(out + o, v, n);
        o += n;
    }
    out[o] = '\0';
    return out;
}

const char *message_code(const message *m, const char *field, char *out, size_t size)
{
    const char *reason = m && m->code ? m->code : "invalid";
    if (strchr(reason, '.') || !field || !field[0])
        snprintf(out, size, "%s", reason);
    else
        snprintf(out, size, "%s.%s", field, reason);
    return out;
}
