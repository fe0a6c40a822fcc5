package bot_test

import (
	"strings"
	"testing"

	"mcu/internal/dbtest"
	"mcu/internal/telegramtest"
	"mcu/render"
	"mcu/workflow"
)

// An admin adds a direction in Telegram and residents can choose it at
// once; its own deadline applies to the appeals registered after it and
// dropping it brings back the default; it cannot be turned off while it
// has open appeals; bad codes, names, amounts and a 59-ФЗ deadline past
// 30 days are refused with what is wrong; nobody but an admin may.
func TestAdminEditsDirectionsAndDeadlines(t *testing.T) {
	t.Parallel()
	h, admin := newStaffHarness(t)
	triage := h.srv.NewGroup("Операторы")
	h.bind(triage, 0, "triage")
	in := telegramtest.In(triage)
	say := func(text string) string { t.Helper(); return h.say(admin, text, in).Text }

	list := say("/directions")
	for _, s := range []string{"• housing — ЖКХ\n", "• Сообщение (message): 10 рабочих дней", "/direction add <код> <название>", "/deadline <вид>"} {
		if !strings.Contains(list, s) {
			t.Errorf("/directions lacks %q:\n%s", s, list)
		}
	}
	curator := h.srv.NewUser("Кира")
	h.grant(curator, workflow.RoleCurator, "housing")
	if got := h.say(curator, "/direction add transport Транспорт", in).Text; got != "Недостаточно прав." {
		t.Errorf("/direction by a curator: %q", got)
	}
	for cmd, want := range map[string]string{
		"/direction add Transport Транспорт":                   render.TextDirectionBadCode,
		"/direction add triage Сортировка":                     render.TextDirectionBadCode,
		"/direction add transport":                             render.TextDirectionUsage,
		"/direction delete transport":                          render.TextDirectionUsage,
		"/direction add transport " + strings.Repeat("Я", 101): render.TextDirectionBadName,
	} {
		if got := say(cmd); got != want {
			t.Errorf("%s answered %q, want %q", cmd, got, want)
		}
	}
	if got := say("/direction add transport Транспорт и дороги"); !strings.HasPrefix(got, "Направление «Транспорт и дороги» (transport) добавлено") {
		t.Errorf("/direction add: %q", got)
	}
	if got := say("/direction add transport Дороги"); !strings.HasPrefix(got, "Направление с кодом transport уже есть") {
		t.Errorf("/direction add of a taken code: %q", got)
	}
	vera := h.newPlayer("Вера")
	vera.consent()
	vera.send("/new")
	if _, ok := vera.expect(render.TextIntakeDirection).Button("Транспорт и дороги"); !ok {
		t.Errorf("the resident is not offered the new direction")
	}

	for cmd, want := range map[string]string{
		"/deadline appeal59 45 days":          render.TextDeadline59,
		"/deadline appeal59 20 workdays":      render.TextDeadline59,
		"/deadline message 0 days":            render.TextDeadlineBad,
		"/deadline message transport 3 weeks": render.TextDeadlineBad,
		"/deadline message three days":        render.TextDeadlineBad,
		"/deadline letter 3 days":             render.TextDeadlineBadKind,
		"/deadline message nowhere 3 days":    "Направления nowhere нет: список — /directions.",
		"/deadline message housing default":   "У направления housing нет своего срока вида «сообщение».",
	} {
		if got := say(cmd); got != want {
			t.Errorf("%s answered %q, want %q", cmd, got, want)
		}
	}
	if got := say("/deadline message transport 3 workdays"); got != "Срок ответа: сообщение, направление transport — 3 рабочих дня. Его получат обращения, зарегистрированные с этой минуты." {
		t.Errorf("/deadline: %q", got)
	}
	own := h.submitFor(vera.u, "transport", "Яма на остановке")
	if due := render.FormatDate(own.DueAt, moscow); due != "05.03.2026" {
		t.Errorf("an appeal under the direction's 3 working days is due %s, want 05.03.2026", due)
	}
	if got := say("/deadline message transport default"); got != "Направление transport: срок вида «сообщение» теперь как по умолчанию." {
		t.Errorf("/deadline … default: %q", got)
	}
	if due := render.FormatDate(h.submitFor(vera.u, "transport", "Нет расписания").DueAt, moscow); due != "17.03.2026" {
		t.Errorf("an appeal under the default 10 working days is due %s, want 17.03.2026", due)
	}
	if got := render.FormatDate(h.appeal(own.ID).DueAt, moscow); got != "05.03.2026" {
		t.Errorf("dropping the rule moved a registered appeal's deadline to %s", got)
	}

	if got := say("/direction off transport"); got != "У направления transport есть незакрытые обращения (2): перенаправьте их или дождитесь, пока они закроются." {
		t.Errorf("/direction off with open appeals: %q", got)
	}
	dbtest.Exec(t, h.db, `UPDATE appeals SET state = 'closed' WHERE direction = 'transport'`)
	if got := say("/direction off transport"); got != "Направление transport выключено: жители его больше не выбирают." {
		t.Errorf("/direction off: %q", got)
	}
	vera.send("/cancel") // the appeal she began
	vera.expect("")
	vera.send("/new")
	if _, ok := vera.expect(render.TextIntakeDirection).Button("Транспорт и дороги"); ok {
		t.Errorf("the resident is offered a direction turned off")
	}
	if list := say("/directions"); !strings.Contains(list, "• transport — Транспорт и дороги (выключено)") {
		t.Errorf("/directions does not show the direction turned off:\n%s", list)
	}
	if got := say("/direction rename transport Дороги"); got != "Направление transport теперь называется «Дороги»." {
		t.Errorf("/direction rename: %q", got)
	}
	if got := say("/direction on nowhere"); got != "Направления nowhere нет: список — /directions." {
		t.Errorf("/direction on of an unknown code: %q", got)
	}
	if n := h.count(`SELECT count(*) FROM staff_actions WHERE action IN ('direction', 'deadline') AND actor_id = $1`, adminID); n != 5 {
		t.Errorf("%d direction and deadline actions in the staff audit trail, want 5", n)
	}
}
