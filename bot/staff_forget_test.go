package bot_test

import (
	"context"
	"strings"
	"testing"

	"mcu/internal/dbtest"
	"mcu/internal/telegramtest"
	"mcu/workflow"
)

// An admin erases the personal data of an appeal's author (a revocation
// by letter): refused while any of their appeals is still being worked
// on, done once they are finished, said once; nobody else may.
func TestAdminForgetsAnAppellant(t *testing.T) {
	t.Parallel()
	h, admin := newStaffHarness(t)
	housing := h.srv.NewGroup("ЖКХ")
	h.bind(housing, 0, "housing")
	petr := h.srv.NewUser("Пётр")
	h.srv.OpenPrivateChat(petr)
	first := h.submitFor(petr, "housing", "Письмецо: протекает крыша")
	second := h.submitFor(petr, "housing", "Письмецо: сломан лифт")
	h.cardIn(housing.ID, "2026-000002")

	if got := h.say(admin, "/forget", telegramtest.In(housing)).Text; !strings.HasPrefix(got, "Формат: /forget 2026-000017") {
		t.Errorf("/forget without a number: %q", got)
	}
	got := h.say(admin, "/forget 2026-000001", telegramtest.In(housing)).Text
	if !strings.Contains(got, "нерассмотренные обращения: № 2026-000002, № 2026-000001") {
		t.Errorf("/forget with open appeals: %q", got)
	}
	if a := h.appeal(first.ID); !strings.Contains(a.Text, "Письмецо") {
		t.Fatalf("a refused /forget erased the appeal: %q", a.Text)
	}
	curator := h.srv.NewUser("Кира")
	h.grant(curator, workflow.RoleCurator, "housing")
	if got := h.say(curator, "/forget 2026-000001", telegramtest.In(housing)).Text; got != "Недостаточно прав." {
		t.Errorf("/forget by a curator: %q", got)
	}

	dbtest.Exec(t, h.db, `UPDATE appeals SET state = 'closed' WHERE id IN ($1, $2)`, first.ID, second.ID)
	if got := h.say(admin, "/forget 2026-000001", telegramtest.In(housing)).Text; got != "Персональные данные автора обращения № 2026-000001 удалены; обращений без персональных данных: 2." {
		t.Errorf("/forget: %q", got)
	}
	if tables := dbtest.TablesHolding(t, h.db, "Письмецо"); len(tables) > 0 {
		t.Errorf("his words are still in %v", tables)
	}
	if _, err := h.db.FindResident(context.Background(), petr.ID); workflow.ErrorCode(err) != workflow.ENotFound {
		t.Errorf("the resident is still found: %v", err)
	}
	if got := h.say(admin, "/forget 2026-000002", telegramtest.In(housing)).Text; got != "Персональные данные автора обращения № 2026-000002 уже удалены." {
		t.Errorf("/forget again: %q", got)
	}
	if n := h.count(`SELECT count(*) FROM staff_actions WHERE action = 'forget' AND actor_id = $1 AND appeal_id = $2`, adminID, first.ID); n != 1 {
		t.Errorf("%d forget actions in the staff audit trail, want 1", n)
	}
}
