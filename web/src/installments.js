// installments.js - which of a loan's installments are paid, overdue, partly paid or still to come, the same on every
// screen (a client's file, a loan's page). "Today" is the reader's local date: a person in Tehran after midnight sees
// the day's installment as due today, not by the UTC date.

// 'YYYY-MM-DD' of the local date (the API's due_on has that form, so the two compare as text).
export function localToday(d = new Date()) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

// A loan's schedule with each installment's state: repayments pay the schedule in order, so what was repaid in all
// covers the first installments. loan: {schedule: [{n, due_on, amount_rials}], repaid_rials}. Each row gets
// covered (rials of it repaid) and state: 'paid', 'overdue' (due before today, not fully paid), 'partial' (partly
// paid, not yet due) or 'due' (to come).
export function installmentStates(loan, today = localToday()) {
  let left = Number(loan.repaid_rials) || 0;
  return (loan.schedule || []).map((s) => {
    const amount = Number(s.amount_rials);
    const covered = Math.min(left, amount);
    left -= covered;
    const state = covered >= amount ? 'paid' : s.due_on < today ? 'overdue' : covered > 0 ? 'partial' : 'due';
    return { ...s, covered, state };
  });
}
