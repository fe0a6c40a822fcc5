package bot_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"mcu/internal/dbtest"
	"mcu/internal/telegramtest"
)

func TestConsentNamesConfiguredOperator(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{OperatorName: "Администрация Сланцевского муниципального района"})
	vera := h.newPlayer("Вера")
	vera.send("/start")
	consent := vera.expect("Федеральный закон № 152-ФЗ")
	if !strings.Contains(consent.Text, "Оператор — Администрация Сланцевского муниципального района (МЦУ).") {
		t.Errorf("consent does not name the operator:\n%s", consent.Text)
	}
	vera.press(consent, "Согласен")
	vera.expect("Спасибо!")
	var version string
	if err := h.db.Pool().QueryRow(context.Background(), `SELECT consent_version FROM residents`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(version, "2026-12-01-") {
		t.Errorf("consent version %q does not identify the operator's wording", version)
	}
}

func TestConsentBeforeAnythingPersonal(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	oleg := h.newPlayer("Олег")
	oleg.send("/start")
	consent := oleg.expect("Федеральный закон № 152-ФЗ")
	if got := consent.ButtonTexts(); !slices.EqualFunc(got, [][]string{{"Согласен"}, {"Полный текст", "Не согласен"}}, slices.Equal) {
		t.Errorf("consent buttons %q", got)
	}
	oleg.press(consent, "Полный текст")
	full := oleg.expect("Согласие на обработку персональных данных")
	for _, s := range []string{"Оператор:", "Цель:", "Данные:", "Срок:", "отозвать"} {
		if !strings.Contains(full.Text, s) {
			t.Errorf("full consent text lacks %q", s)
		}
	}
	oleg.press(consent, "Не согласен")
	oleg.expectExact("Хорошо. Без согласия мы не можем принять сообщение, но справка доступна всегда: /help. Если передумаете — /start.")

	// Declined: /help works, nothing else does, and nothing is stored.
	oleg.send("/help")
	help := oleg.expect("Этот бот принимает сообщения")
	for _, s := range []string{"Срок ответа — 10 рабочих дней.", "это сообщение, а не официальное обращение", "59-ФЗ", "Госуслуги",
		"письменно — по почте или лично в администрации"} {
		if !strings.Contains(help.Text, s) {
			t.Errorf("/help lacks %q:\n%s", s, help.Text)
		}
	}
	for _, try := range []func(){
		func() { oleg.send("/new") },
		func() { oleg.send("/my") },
		func() { oleg.send("Во дворе яма, помогите пожалуйста") },
		func() { oleg.sent(h.srv.SendPhoto(oleg.u, "Яма у дома 3")) },
	} {
		try()
		oleg.expect("Федеральный закон № 152-ФЗ")
	}
	if n := h.count(`SELECT count(*) FROM residents`); n != 0 {
		t.Errorf("%d residents stored without consent", n)
	}
	if n := h.count(`SELECT count(*) FROM dialogs`); n != 0 {
		t.Errorf("%d dialogs stored without consent", n)
	}

	// Agreeing records the time and version once.
	oleg.press(consent, "Согласен")
	oleg.expectExact("Спасибо! Теперь можно отправить сообщение: нажмите «Новое сообщение» или /new.")
	if a := oleg.pressData(consent, "\fr_consent|yes"); a.Text != "Согласие уже получено." {
		t.Errorf("second consent answered %q", a.Text)
	}
	if n := h.count(`SELECT count(*) FROM residents WHERE telegram_user_id = $1 AND consent_at = $2`, oleg.u.ID, h.clock()); n != 1 {
		t.Errorf("consent time not recorded (%d rows)", n)
	}
	oleg.send("/start")
	menu := oleg.expect("Команды:")
	if want := [][]string{{"Новое сообщение"}, {"Мои сообщения", "Справка"}}; !keyboardIs(menu, want) {
		t.Errorf("menu keyboard %+v, want %q", menu.Keyboard, want)
	}
	commands := h.srv.Commands(telegramtest.BotCommandScope{}, "")
	var names []string
	for _, c := range commands {
		names = append(names, c.Command)
	}
	for _, want := range []string{"start", "new", "my", "status", "help", "cancel"} {
		if !slices.Contains(names, want) {
			t.Errorf("setMyCommands lacks /%s: %q", want, names)
		}
	}
}

func keyboardIs(m telegramtest.Message, want [][]string) bool {
	var got [][]string
	for _, row := range m.Keyboard {
		var texts []string
		for _, b := range row {
			texts = append(texts, b.Text)
		}
		got = append(got, texts)
	}
	return slices.EqualFunc(got, want, slices.Equal)
}

func TestMenuButtonsAndCancel(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	pavel := h.newPlayer("Павел")
	pavel.consent()
	pavel.send("Справка")
	pavel.expect("Этот бот принимает сообщения")
	pavel.send("Мои сообщения")
	pavel.expectExact("У вас пока нет сообщений. Новое — /new.")
	pavel.send("/cancel")
	pavel.expectExact("Сейчас нечего отменять.")
	pavel.send("Новое сообщение")
	pavel.press(pavel.expect("Выберите направление"), "ЖКХ")
	pavel.send("Во дворе дома 9 не убирают снег")
	pavel.expect("Записал.")
	// /new again offers to continue: nothing typed is lost.
	pavel.send("/new")
	offer := pavel.expectExact("У вас есть незаконченное сообщение. Продолжить его или начать заново?")
	pavel.press(offer, "Продолжить")
	pavel.expectIn(offer, "Записал.")
	pavel.send("/cancel")
	pavel.expectExact("Сообщение отменено, ничего не отправлено. Начать заново — /new.")
	if kind, _, _ := h.dialog(pavel.u.ID); kind != "" {
		t.Errorf("dialog %q after /cancel", kind)
	}
	pavel.send("/foo")
	pavel.expect("Чтобы сообщить о проблеме, нажмите «Новое сообщение»")
}

func TestResidentWritingAgainAfterBlockingIsUnblocked(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	rita := h.newPlayer("Рита")
	rita.consent()
	dbtest.Exec(t, h.db, `UPDATE residents SET blocked_at = now() WHERE telegram_user_id = $1`, rita.u.ID)
	rita.send("/my")
	rita.expect("У вас пока нет сообщений")
	if n := h.count(`SELECT count(*) FROM residents WHERE telegram_user_id = $1 AND blocked_at IS NULL`, rita.u.ID); n != 1 {
		t.Error("a resident who writes again is still marked blocked")
	}
}

// TestHelpTellsTheMessageRule: /help tells the deadline of the «message»
// rule as deadline_rules has it (the kind's default, not a direction's),
// not a number of its own.
func TestHelpTellsTheMessageRule(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	dbtest.Exec(t, h.db, `UPDATE deadline_rules SET amount = 7 WHERE kind = 'message' AND direction IS NULL`)
	dbtest.Exec(t, h.db, `INSERT INTO deadline_rules (kind, direction, unit, amount) VALUES ('message', 'housing', 'workdays', 3)`)
	vera := h.newPlayer("Вера")
	vera.send("/help")
	help := vera.expect("Этот бот принимает сообщения")
	if !strings.Contains(help.Text, "Срок ответа — 7 рабочих дней.") {
		t.Errorf("/help with the message rule at 7 working days:\n%s", help.Text)
	}
	dbtest.Exec(t, h.db, `UPDATE deadline_rules SET unit = 'days', amount = 30 WHERE kind = 'message' AND direction IS NULL`)
	vera.send("/help")
	if help := vera.expect("Этот бот принимает сообщения"); !strings.Contains(help.Text, "Срок ответа — 30 дней.") {
		t.Errorf("/help with the message rule at 30 days:\n%s", help.Text)
	}
}
