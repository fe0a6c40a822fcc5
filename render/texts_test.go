package render_test

import (
	"strings"
	"testing"

	"mcu/render"
	"mcu/workflow"
)

// TestRejectWordingByKind: the bot takes «сообщения», which 59-ФЗ does not
// govern, so a ground of art. 11 is cited «по аналогии» for them (and for
// incidents); a formal appeal gets the plain reference.
func TestRejectWordingByKind(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		code string
		kind workflow.Kind
		want string
	}{
		{"repeat", workflow.KindMessage, "повторное обращение без новых доводов (по аналогии с ч. 5 ст. 11 59-ФЗ)"},
		{"repeat", workflow.KindIncident, "повторное обращение без новых доводов (по аналогии с ч. 5 ст. 11 59-ФЗ)"},
		{"repeat", workflow.KindAppeal59, "повторное обращение без новых доводов (ч. 5 ст. 11 59-ФЗ)"},
		{"obscene", workflow.KindMessage, "нецензурные либо оскорбительные выражения, угрозы (по аналогии с ч. 3 ст. 11 59-ФЗ)"},
		{"no_contact", workflow.KindAppeal59, "не указаны фамилия или адрес для ответа (ч. 1 ст. 11 59-ФЗ)"},
	} {
		got, ok := render.FindReason(render.RejectReasons(), tt.code, tt.kind)
		if !ok || got != tt.want {
			t.Errorf("ground %s for %s: %q, %v; want %q", tt.code, tt.kind, got, ok, tt.want)
		}
	}
	// Every ground cites its part of art. 11; return reasons cite nothing.
	for _, r := range render.RejectReasons() {
		for _, kind := range workflow.Kinds() {
			if got, _ := render.FindReason(render.RejectReasons(), r.Code, kind); !strings.Contains(got, " ст. 11 59-ФЗ)") {
				t.Errorf("ground %s for %s: %q cites no part of art. 11", r.Code, kind, got)
			}
		}
	}
	if got, ok := render.FindReason(render.ReturnReasons(), "no_date", workflow.KindMessage); !ok || got != "не указан срок устранения проблемы" {
		t.Errorf("return reason: %q, %v", got, ok)
	}
	if _, ok := render.FindReason(render.RejectReasons(), "nonsense", workflow.KindMessage); ok {
		t.Error("an unknown code was found")
	}
}

func TestHelpTextDeadline(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		rule workflow.DeadlineRule
		want string
	}{
		{workflow.DeadlineRule{Unit: workflow.UnitWorkdays, Amount: 10}, "Срок ответа — 10 рабочих дней. "},
		{workflow.DeadlineRule{Unit: workflow.UnitWorkdays, Amount: 1}, "Срок ответа — 1 рабочий день. "},
		{workflow.DeadlineRule{Unit: workflow.UnitWorkdays, Amount: 3}, "Срок ответа — 3 рабочих дня. "},
		{workflow.DeadlineRule{Unit: workflow.UnitDays, Amount: 30}, "Срок ответа — 30 дней. "},
		{workflow.DeadlineRule{Unit: workflow.UnitHours, Amount: 24}, "Срок ответа — 24 часа. "},
		{workflow.DeadlineRule{Unit: workflow.UnitHours, Amount: 5}, "Срок ответа — 5 часов. "},
	} {
		if got := render.HelpText(render.DeadlineText(tt.rule)); !strings.Contains(got, tt.want) {
			t.Errorf("%s: /help lacks %q:\n%s", tt.rule, tt.want, got)
		}
	}
	if got := render.HelpText(""); strings.Contains(got, "Срок ответа") {
		t.Errorf("/help without a rule tells a deadline:\n%s", got)
	}
	// A formal appeal: Госуслуги, in writing by post or in person, or the
	// administration's own system — not Госуслуги alone.
	help := render.HelpText("10 рабочих дней")
	for _, want := range []string{"это сообщение, а не официальное обращение", "№ 59-ФЗ", "Госуслуги",
		"письменно — по почте или лично", "официальную систему приёма обращений администрации"} {
		if !strings.Contains(help, want) {
			t.Errorf("/help lacks %q:\n%s", want, help)
		}
	}
}
