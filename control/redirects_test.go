package control_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mcu/workflow"
)

// TestRedirectControlOverSimulatedDays: an appeal of 59-ФЗ registered by
// the operator on Monday 02.03.2026 and left in triage: the triage chat
// is reminded on day 5 (07.03, a Saturday: the days are calendar days)
// and alerted on day 7 (09.03), once each, with the job run at 08:00
// (twice), 14:00 and 20:00. One routed to housing on day 2, and a
// resident's message left in triage, get nothing.
func TestRedirectControlOverSimulatedDays(t *testing.T) {
	t.Parallel()
	f := newFixture(t, day(time.March, 2).Add(10*time.Hour))
	left := f.register(workflow.KindAppeal59, "")
	routed := f.register(workflow.KindAppeal59, "")
	f.submit(resident1, "")
	f.drain()
	got := map[string][]string{}
	for d := day(time.March, 2); d.Before(day(time.March, 16)); d = d.AddDate(0, 0, 1) {
		if d.Equal(day(time.March, 4)) {
			f.at(d.Add(9 * time.Hour))
			f.apply(routed, workflow.EventRoute, workflow.Staff(operator), workflow.Input{Direction: "housing"})
		}
		for _, hour := range []int{8, 8, 14, 20} {
			f.run(f.ctl.Redirects, d.Add(time.Duration(hour)*time.Hour))
		}
		if lines := f.lines(); len(lines) > 0 {
			got[d.Format("02.01")] = lines
		}
	}
	want := map[string][]string{
		"07.03": {"-300: ⏰ Обращение № " + left.Number() + " (59-ФЗ) зарегистрировано 02.03.2026 и ещё не распределено. | " +
			"Если вопрос не в нашей компетенции, его нужно переадресовать до 09.03.2026 включительно (ч. 3 ст. 8 59-ФЗ — 7 дней со дня регистрации)."},
		"09.03": {"-300: ⚠️ Обращение № " + left.Number() + " (59-ФЗ) от 02.03.2026 всё ещё не распределено. | " +
			"Сегодня, 09.03.2026, последний день, чтобы переадресовать его по компетенции (ч. 3 ст. 8 59-ФЗ). Обращение попадёт в сводку главе."},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("redirect alerts by day (-want +got):\n%s", diff)
	}
	escalations, err := f.db.FindEscalations(f.ctx, day(time.March, 1), day(time.April, 1))
	if err != nil {
		t.Fatal(err)
	}
	if len(escalations) != 1 || escalations[0].AppealID != left.ID || escalations[0].Threshold != "redirect_escalate" ||
		escalations[0].Direction != "" || !escalations[0].DueAt.Equal(workflow.EndOfDay(day(time.March, 9))) {
		t.Errorf("escalations for the digest: %+v", escalations)
	}
}
