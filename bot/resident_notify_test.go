package bot_test

import (
	"testing"

	"mcu/workflow"
)

// The resident hears of the steps that matter: taken, extended,
// redirected, rejected (the answer and the question have tests of their
// own).
func TestResidentFollowsTheAppeal(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	curator, operator := h.srv.NewUser("Куратор"), h.srv.NewUser("Оператор")
	h.grant(curator, workflow.RoleCurator, "housing")
	h.grant(operator, workflow.RoleOperator, "")
	boris := h.newPlayer("Борис")
	boris.consent()

	a := h.submitFor(boris.u, "housing", "Не работает освещение в подъезде дома 8")
	boris.expectExact("Сообщение зарегистрировано, № 2026-000001, ответ до 17.03.2026.")
	h.staffApply(curator, a.ID, workflow.EventTake, workflow.Input{})
	boris.expectExact("Сообщение № 2026-000001 взято в работу.")
	h.staffApply(curator, a.ID, workflow.EventExtend, workflow.Input{Days: 5, Reason: "нужна закупка светильников"})
	// 17.03 + 5 days is Sunday 22.03, moved back to Friday 20.03.
	boris.expectExact("Срок ответа на сообщение № 2026-000001 продлён до 20.03.2026. Причина: нужна закупка светильников")
	h.staffApply(curator, a.ID, workflow.EventRedirect, workflow.Input{Authority: "управляющая компания «Уют»", Reason: "дом в её управлении"})
	boris.expectExact("Сообщение № 2026-000001 передано по компетенции: управляющая компания «Уют». Причина: дом в её управлении")

	b := h.submitFor(boris.u, "housing", "Тестовое сообщение без смысла")
	boris.expect("№ 2026-000002")
	h.staffApply(operator, b.ID, workflow.EventReject, workflow.Input{Reason: "в сообщении нет сути вопроса"})
	boris.expectExact("Сообщение № 2026-000002 оставлено без ответа по существу. Основание: в сообщении нет сути вопроса.")
}
