package bot_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"mcu/internal/telegramtest"
	"mcu/workflow"
)

// staffApply fires an event as a staff member, failing the test on error.
func (h *harness) staffApply(u telegramtest.User, id int64, e workflow.Event, in workflow.Input) {
	h.t.Helper()
	if _, err := h.svc.Apply(context.Background(), workflow.Command{AppealID: id, Event: e, Actor: workflow.Staff(u.ID), Input: in}); err != nil {
		h.t.Fatalf("%s: %v", e, err)
	}
}

// answered submits an appeal for p to housing and has the staff answer it.
func (h *harness) answered(p *player, curator telegramtest.User) *workflow.Appeal {
	h.t.Helper()
	a := h.submitFor(p.u, "housing", "Во дворе дома 5 не вывозят мусор")
	h.staffApply(curator, a.ID, workflow.EventTake, workflow.Input{})
	h.staffApply(curator, a.ID, workflow.EventSubmitDraft, workflow.Input{Text: "Мусор вывезли 3 марта, график восстановлен."})
	h.staffApply(curator, a.ID, workflow.EventApprove, workflow.Input{})
	return a
}

func TestRatingLowAndNotSolvedReopens(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	housing := h.srv.NewGroup("ЖКХ")
	h.bind(housing, 0, "housing")
	curator := h.srv.NewUser("Куратор")
	h.grant(curator, workflow.RoleCurator, "housing")
	zoya := h.newPlayer("Зоя")
	zoya.consent()
	a := h.answered(zoya, curator)

	answer := zoya.expectExact("Ответ на сообщение № 2026-000001:\n\nМусор вывезли 3 марта, график восстановлен.\n\nОцените, пожалуйста, ответ от 1 до 5:")
	if got := answer.ButtonTexts(); !slices.EqualFunc(got, [][]string{{"1", "2", "3", "4", "5"}}, slices.Equal) {
		t.Errorf("rating row %q", got)
	}
	three, _ := answer.Button("3")
	if ans := zoya.press(answer, "2"); ans.Text != "Спасибо за оценку!" {
		t.Errorf("rating answered %q", ans.Text)
	}
	solved := zoya.expectExact("Ваша оценка: 2 из 5. Проблема решена?")
	if got := solved.ButtonTexts(); !slices.EqualFunc(got, [][]string{{"Да", "Частично", "Нет"}}, slices.Equal) {
		t.Errorf("solved buttons %q", got)
	}
	// A rating is given once.
	if ans := zoya.pressData(answer, three.CallbackData); ans.Text != "Оценка уже учтена." {
		t.Errorf("second rating answered %q", ans.Text)
	}
	zoya.press(solved, "Нет")
	zoya.expectExact("Что осталось нерешённым? Напишите коротко — это поможет сотрудникам. Или нажмите «Пропустить».")
	zoya.send("Мусор снова лежит у второго подъезда")
	zoya.expectExact("Сообщение № 2026-000001 возобновлено: сотрудники вернутся к нему и ответят снова.")
	h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(housing.ID), telegramtest.Contains(
		"№ 2026-000001: заявитель сообщил, что проблема не решена. Обращение возобновлено.\n\nКомментарий: Мусор снова лежит у второго подъезда")))
	got, err := h.db.FindAppeal(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Reopened: the next answer will be rated anew; this rating stays in
	// the audit trail.
	if got.State != workflow.StateReopened || got.Rating != 0 || got.Solved != workflow.SolvedNo || got.ReopenCount != 1 {
		t.Errorf("appeal %s, rating %d, solved %q, reopened %d times", got.State, got.Rating, got.Solved, got.ReopenCount)
	}
	if n := h.count(`SELECT count(*) FROM appeal_events WHERE appeal_id = $1 AND event = 'rate' AND (payload->>'rating')::int = 2`, a.ID); n != 1 {
		t.Errorf("%d audit rows with rating 2, want 1", n)
	}
	if ans := zoya.pressData(solved, solved.Buttons()[0].CallbackData); ans.Text != "Ответ уже учтён." {
		t.Errorf("«Да» after reopening answered %q", ans.Text)
	}
	if got := h.appeal(a.ID); got.State != workflow.StateReopened {
		t.Errorf("an old «Да» moved the appeal to %q", got.State)
	}
}

func TestRatingHighAndSolvedCloses(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	curator := h.srv.NewUser("Куратор")
	h.grant(curator, workflow.RoleCurator, "housing")
	yana := h.newPlayer("Яна")
	yana.consent()
	a := h.answered(yana, curator)
	answer := yana.expect("Оцените, пожалуйста, ответ от 1 до 5:")
	yana.press(answer, "5")
	solved := yana.expect("Ваша оценка: 5 из 5. Проблема решена?")
	no, _ := solved.Button("Нет")
	yana.press(solved, "Да")
	h.srv.MustWaitMessage(t, func(m telegramtest.Message) bool {
		return m.MessageID == solved.MessageID && m.Chat.ID == yana.u.ID &&
			m.Text == "Спасибо! Рады, что проблема решена. Сообщение № 2026-000001 закрыто." && len(m.Buttons()) == 0
	})
	got, err := h.db.FindAppeal(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != workflow.StateClosed || got.Rating != 5 || got.Solved != workflow.SolvedYes {
		t.Errorf("appeal %s, rating %d, solved %q; want closed, 5, yes", got.State, got.Rating, got.Solved)
	}
	if ans := yana.pressData(solved, no.CallbackData); ans.Text != "Ответ уже учтён." {
		t.Errorf("«Нет» after «Да» answered %q", ans.Text)
	}
	if got := h.appeal(a.ID); got.State != workflow.StateClosed {
		t.Errorf("an old «Нет» moved the appeal to %q", got.State)
	}
}

func TestClarificationRoundTrip(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	housing := h.srv.NewGroup("ЖКХ")
	h.bind(housing, 0, "housing")
	ivan := h.srv.NewUser("Иван")
	h.grant(ivan, workflow.RoleExecutor, "housing")
	anna := h.newPlayer("Анна")
	anna.consent()
	a := h.submitFor(anna.u, "housing", "Течёт крыша над квартирой 12")
	anna.expect("Сообщение зарегистрировано")
	h.staffApply(ivan, a.ID, workflow.EventTake, workflow.Input{})
	anna.expectExact("Сообщение № 2026-000001 взято в работу.")
	// An appeal half written when the question comes is kept.
	anna.send("/new")
	anna.press(anna.expect("Выберите направление"), "ЖКХ")
	anna.send("Второе: в подвале сыро и пахнет")
	anna.expect("Записал.")

	h.staffApply(ivan, a.ID, workflow.EventAskResident, workflow.Input{Text: "Уточните номер подъезда и этаж"})
	question := anna.expectExact("По сообщению № 2026-000001 у сотрудника вопрос:\n\nУточните номер подъезда и этаж\n\nНажмите «Ответить», чтобы ответить.")
	anna.press(question, "Ответить")
	prompt := anna.expectExact("Напишите ответ на вопрос по сообщению № 2026-000001. Можно приложить фото.")
	if !prompt.ForceReply {
		t.Error("the reply prompt does not ask for a reply (force_reply)")
	}
	photo := anna.sent(h.srv.SendPhoto(anna.u, "", telegramtest.ReplyTo(prompt)))
	anna.expect("Фото добавлено к ответу.")
	anna.sent(h.srv.Reply(anna.u, prompt, "Подъезд 2, пятый этаж"))
	anna.expectExact("Спасибо! Ответ по сообщению № 2026-000001 передан сотрудникам. Вы можете продолжить незаконченное сообщение — /new.")

	told := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(housing.ID),
		telegramtest.Contains("№ 2026-000001: заявитель ответил на вопрос:\n\nПодъезд 2, пятый этаж")))
	// The reply's photo reaches the staff just above the notice.
	var shown bool
	for _, m := range h.srv.Sent(housing.ID) {
		if m.MessageID < told.MessageID && len(m.Photo) > 0 && m.Photo[len(m.Photo)-1].FileID == largest(photo) &&
			m.Caption == "№ 2026-000001: фото от заявителя к ответу на вопрос" {
			shown = true
		}
	}
	if !shown {
		t.Errorf("the reply's photo was not shown in the direction chat: %v", h.srv.Sent(housing.ID))
	}
	got, err := h.db.FindAppeal(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != workflow.StateInProgress {
		t.Errorf("appeal in %q after the reply", got.State)
	}
	if n := h.count(`SELECT count(*) FROM appeal_attachments WHERE appeal_id = $1 AND purpose = 'reply' AND file_id = $2`, a.ID, largest(photo)); n != 1 {
		t.Errorf("reply photo stored %d times", n)
	}
	if n := h.count(`SELECT count(*) FROM appeal_events WHERE appeal_id = $1 AND event = 'resident_replied' AND payload->>'text' = 'Подъезд 2, пятый этаж'`, a.ID); n != 1 {
		t.Errorf("%d resident_replied events with the text", n)
	}
	if kind, state, data := h.dialog(anna.u.ID); kind != "intake" || state != "details" || !strings.Contains(data["text"].(string), "в подвале сыро") {
		t.Errorf("the half-written appeal was not kept: %s/%s %v", kind, state, data)
	}
	// The question's button no longer applies.
	if ans := anna.press(question, "Ответить"); ans.Text != "Ответ на этот вопрос уже не нужен." {
		t.Errorf("«Ответить» after replying answered %q", ans.Text)
	}
}

func TestClarificationByTelegramReply(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	ivan := h.srv.NewUser("Иван")
	h.grant(ivan, workflow.RoleExecutor, "housing")
	olga := h.newPlayer("Ольга")
	olga.consent()
	a := h.submitFor(olga.u, "housing", "Сломана лавочка у дома 2")
	h.staffApply(ivan, a.ID, workflow.EventTake, workflow.Input{})
	h.staffApply(ivan, a.ID, workflow.EventAskResident, workflow.Input{Text: "Какая именно лавочка?"})
	question := olga.expect("у сотрудника вопрос")
	// Replying to the question with Telegram's «Ответить», not the button.
	olga.sent(h.srv.Reply(olga.u, question, "Та, что у второго подъезда"))
	olga.expectExact("Спасибо! Ответ по сообщению № 2026-000001 передан сотрудникам.")
	if got := h.appeal(a.ID); got.State != workflow.StateInProgress {
		t.Errorf("appeal in %q after a reply to the question", got.State)
	}
	if kind, _, _ := h.dialog(olga.u.ID); kind != "" {
		t.Errorf("dialog %q left after the reply", kind)
	}
}
