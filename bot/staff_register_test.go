package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"mcu/bot"
	"mcu/internal/telegramtest"
	"mcu/workflow"
)

// register walks an operator through /register in the triage chat and
// returns the bot's final word.
func (h *harness) register(op telegramtest.User, triage telegramtest.Chat, kind, source, text, name, contact, received, direction string) string {
	h.t.Helper()
	menu := h.say(op, "/register", telegramtest.In(triage))
	h.answer(h.srv.MustPress(h.t, op, menu, kind))
	h.srv.MustWaitMessage(h.t, func(m telegramtest.Message) bool {
		return m.Chat.ID == triage.ID && m.MessageID == menu.MessageID && m.Text == "Откуда оно пришло?"
	})
	last, _ := h.srv.LastSent(triage.ID)
	h.answer(h.srv.MustPress(h.t, op, h.srv.MustMessage(h.t, triage.ID, menu.MessageID), source))
	p := h.srv.MustWaitSent(h.t, telegramtest.All(telegramtest.After(last), telegramtest.Contains("пришлите текст обращения")))
	p = h.say(op, text, telegramtest.ReplyTo(p))
	p = h.say(op, name, telegramtest.ReplyTo(p))
	p = h.say(op, contact, telegramtest.ReplyTo(p))
	if !strings.Contains(p.Text, "когда обращение поступило") {
		h.t.Fatalf("after the contact the bot said %q, want the question of the date of receipt", p.Text)
	}
	dirs := h.say(op, received, telegramtest.ReplyTo(p))
	if got := h.answer(h.srv.MustPress(h.t, op, dirs, direction)); got != "Готово" {
		h.t.Errorf("choosing %s: %q", direction, got)
	}
	done := h.srv.MustWaitMessage(h.t, func(m telegramtest.Message) bool {
		return m.Chat.ID == triage.ID && m.MessageID == dirs.MessageID && strings.HasPrefix(m.Text, "Зарегистрировано")
	})
	return done.Text
}

func TestOperatorRegistersAppeals(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	op, ivan := h.srv.NewUser("Оксана"), h.srv.NewUser("Иван")
	h.grant(op, workflow.RoleOperator, "")
	h.grant(ivan, workflow.RoleCurator, "housing")
	triage, housing := h.srv.NewGroup("Операторы"), h.srv.NewGroup("ЖКХ")
	h.bind(triage, 0, "triage")
	h.bind(housing, 0, "housing")
	ctx := context.Background()

	got := h.register(op, triage, "Обращение (59-ФЗ)", "Телефон", "Во дворе дома 4 по ул. Мира сломана детская площадка",
		"Пётр Сидоров", "+7 900 000-00-00", "25.02.2026", "ЖКХ")
	if want := "Зарегистрировано: № 2026-000001 (Обращение (59-ФЗ)), ответ до 01.04.2026."; got != want {
		t.Errorf("appeal59: %q, want %q", got, want)
	}
	card := h.cardIn(housing.ID, "2026-000001")
	for _, want := range []string{"№ 2026-000001 · Обращение (59-ФЗ)", "Срок: 01.04.2026", "Источник: телефон",
		"Заявитель: Пётр Сидоров, +7 900 000-00-00", "сломана детская площадка",
		"Поступило: 25.02.2026 — ⚠️ зарегистрировано через 5 дней, позже 3 дней (ч. 2 ст. 8 59-ФЗ)"} {
		if !strings.Contains(card.Text, want) {
			t.Errorf("card lacks %q:\n%s", want, card.Text)
		}
	}
	if _, ok := card.Button("Вопрос жителю"); ok {
		t.Errorf("a card of a citizen not in Telegram offers «Вопрос жителю»")
	}
	a, err := h.db.FindAppealByNumber(ctx, "2026-000001")
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 4, 1, 23, 59, 59, 0, moscow); !a.DueAt.Equal(want) || a.Kind != workflow.KindAppeal59 || a.Source != workflow.SourcePhone {
		t.Errorf("appeal59: due %s, kind %s, source %s", a.DueAt, a.Kind, a.Source)
	}

	got = h.register(op, triage, "Инцидент", "Социальные сети", "Пост во ВКонтакте: на ул. Ленина не горят фонари",
		"-", "https://vk.com/wall-1_2", "-", "Не знаю")
	if want := "Зарегистрировано: № 2026-000002 (Инцидент), ответ до 03.03.2026 10:00."; got != want {
		t.Errorf("incident: %q, want %q", got, want)
	}
	inc, err := h.db.FindAppealByNumber(ctx, "2026-000002")
	if err != nil {
		t.Fatal(err)
	}
	if !inc.ReceivedAt.IsZero() {
		t.Errorf("an incident received today has a date of receipt %s", inc.ReceivedAt)
	}
	if want := h.clock().Add(24 * time.Hour); !inc.DueAt.Equal(want) || inc.Direction != "" {
		t.Errorf("incident: due %s (want %s), direction %q", inc.DueAt, want, inc.Direction)
	}
	h.cardIn(triage.ID, "2026-000002", telegramtest.Contains("Направление: не определено"))

	// It lives the same life; the answer is recorded and sent nowhere.
	for _, cmd := range []workflow.Command{
		{Event: workflow.EventTake},
		{Event: workflow.EventSubmitDraft, Input: workflow.Input{Text: "Площадку отремонтируют до 15.03.2026."}},
		{Event: workflow.EventApprove},
	} {
		cmd.AppealID, cmd.Actor = a.ID, workflow.Staff(ivan.ID)
		if _, err := h.svc.Apply(ctx, cmd); err != nil {
			t.Fatal(err)
		}
	}
	if a = h.appeal(a.ID); a.Answer != "Площадку отремонтируют до 15.03.2026." || a.State != workflow.StateAnswered {
		t.Errorf("answer %q in state %s", a.Answer, a.State)
	}
	if n := h.count(`SELECT count(*) FROM outbox WHERE kind = 'resident'`); n != 0 {
		t.Errorf("%d messages queued for a citizen not in Telegram", n)
	}
	if n := h.count(`SELECT count(*) FROM staff_actions WHERE action = 'register' AND actor_id = $1 AND role = 'operator'`, op.ID); n != 2 {
		t.Errorf("%d registrations in the staff audit trail, want 2", n)
	}
	hist := h.say(ivan, "/history 2026-000001", telegramtest.In(housing)).Text
	if !strings.Contains(hist, "внесено оператором (телефон) — Оксана (id ") {
		t.Errorf("/history:\n%s", hist)
	}

	// «Отмена» ends the registration.
	menu := h.say(op, "/register", telegramtest.In(triage))
	h.answer(h.srv.MustPress(t, op, menu, "Отмена"))
	if n := h.count(`SELECT count(*) FROM dialogs WHERE user_id = $1`, op.ID); n != 0 {
		t.Errorf("%d dialogs left after «Отмена»", n)
	}

	// Outside triage, or by someone else, /register is refused.
	if got := h.say(op, "/register", telegramtest.In(housing)).Text; got != "Регистрировать обращения из других каналов можно в чате сортировки." {
		t.Errorf("/register in a direction chat: %q", got)
	}
	if got := h.say(ivan, "/register", telegramtest.In(triage)).Text; got != "Недостаточно прав." {
		t.Errorf("/register by a curator: %q", got)
	}
}

func TestParseReceived(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, moscow)
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},           // «-»: today
		{"02.03.2026", "", true}, // today
		{"25.02.2026", "2026-02-25", true},
		{"5.2.2026", "2026-02-05", true},
		{"25.02", "2026-02-25", true}, // this year
		{"25.02.26", "2026-02-25", true},
		{"03.03.2026", "", false}, // tomorrow
		{"31.02.2026", "", false}, // no such day
		{"01.01.2025", "", false}, // over a year back
		{"вчера", "", false},
	} {
		got, ok := bot.ParseReceived(c.in, now, moscow)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseReceived(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
