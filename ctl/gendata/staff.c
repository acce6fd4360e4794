/* staff.c - the staff of the centers: professions by weight, a few trainings each (dates in both calendars). */
#include "common/jalali.h"
#include "ctl/gendata/gendata.h"

static const weighted professions[] = {
    {"social_worker", 15},    {"psychologist", 10},      {"physiotherapist", 8}, {"occupational_therapist", 6},
    {"speech_therapist", 5},  {"nurse", 12},             {"physician", 4},       {"caregiver", 15},
    {"counselor", 7},         {"special_educator", 5},   {"vocational_trainer", 3},
    {"addiction_counselor", 4}, {"administrator", 5},    {"other", 1}};
static const char *const courses[] = {"توانبخشی مبتنی بر جامعه", "مددکاری در بحران", "کار با سالمندان",
                                      "پیشگیری از اعتیاد", "مهارت‌های زندگی", "کمک‌های اولیه"};
#define N_COURSES (sizeof(courses) / sizeof(courses[0]))

static int gen_staff(gen_t *g, copybuf *b, int64_t base)
{
    rng_t r;
    rng_init(&r, g->seed, 4);
    int64_t day0 = gregorian_to_days((ymd){2018, 1, 1});
    for (int64_t i = 0; i < g->n_staff; i++) {
        int center = (int)rng_below(&r, (uint32_t)g->n_centers);
        int male = rng_chance(&r, 45);
        cb_person(b, &r, &g->nid, base + i + 1, male);
        cb_str(b, PICK_WEIGHTED(&r, professions));
        cb_tab(b);
        cb_i64(b, g->center_base + center + 1);
        cb_tab(b);
        uint32_t nt = rng_below(&r, 10);
        nt = nt < 6 ? 0 : nt < 9 ? 1 : 2;
        cb_ch(b, '[');
        for (uint32_t t = 0; t < nt; t++) {
            ymd gd = days_to_gregorian(day0 + rng_below(&r, 7 * 365)), jd;
            char gs[11], js[11];
            date_format(gd, gs);
            if (gregorian_to_jalali(gd, &jd) != 0)
                return -1;
            date_format(jd, js);
            if (t)
                cb_str(b, ", ");
            cb_str(b, "{\"course\": \"");
            cb_str(b, courses[rng_below(&r, N_COURSES)]);
            cb_str(b, "\", \"hours\": ");
            cb_i64(b, 8 * (1 + rng_below(&r, 8)));
            cb_str(b, ", \"completed_on\": \"");
            cb_str(b, gs);
            cb_str(b, "\", \"completed_on_jalali\": \"");
            cb_str(b, js);
            cb_str(b, "\"}");
        }
        cb_ch(b, ']');
        cb_tab(b);
        cb_str(b, g->c_status[center] == 2 || rng_chance(&r, 8) ? "left" : "active");
        cb_ch(b, '\n');
    }
    return 0;
}

/* staff_derive (derive_from_center) and staff_name_key (set_name_key), migration 0003 */
static const gd_derived staff_derived[] = {
    {"province_code", "c.province_code"},
    {"county_id", "c.county_id"},
    {"name_key", "n.key"},
    {NULL, NULL},
};

const gd_table gd_staff = {
    .name = "staff",
    .columns = "id, national_id, first_name, last_name, profession, center_id, trainings, status",
    .derived = staff_derived,
    .joins = " JOIN centers c ON c.id = s.center_id" GD_PERSON_NAME_KEYS,
    .rows = gen_staff,
};
