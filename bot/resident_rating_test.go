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

// TestRatingLowAndNotSolvedReopens: «Нет» then a comment. The appeal is
// reopened at the press, once; the comment comes after and reaches the
// direction chat, attached to that reopening.
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
	yes := solved.Buttons()[0].CallbackData
	zoya.press(solved, "Нет")
	// Reopened at the press: the question says so, the chat is told.
	h.srv.MustWaitMessage(t, func(m telegramtest.Message) bool {
		return m.MessageID == solved.MessageID && m.Chat.ID == zoya.u.ID &&
			m.Text == "Сообщение № 2026-000001 возобновлено: сотрудники вернутся к нему и ответят снова." && len(m.Buttons()) == 0
	})
	h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(housing.ID), telegramtest.Contains(
		"№ 2026-000001: заявитель сообщил, что проблема не решена. Обращение возобновлено.")))
	if got := h.appeal(a.ID); got.State != workflow.StateReopened || got.ReopenCount != 1 {
		t.Errorf("after «Нет», before any comment: %s, reopened %d times", got.State, got.ReopenCount)
	}
	prompt := zoya.expectExact("Что осталось нерешённым? Напишите коротко — это поможет сотрудникам. Или нажмите «Пропустить».")
	zoya.send("Мусор снова лежит у второго подъезда")
	zoya.expectExact("Спасибо! Комментарий к сообщению № 2026-000001 передан сотрудникам.")
	h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(housing.ID), telegramtest.Contains(
		"№ 2026-000001: комментарий заявителя к возобновлению (проблема не решена):\n\nМусор снова лежит у второго подъезда")))
	got := h.appeal(a.ID)
	// Reopened once: the next answer will be rated anew; this rating stays
	// in the audit trail.
	if got.State != workflow.StateReopened || got.Rating != 0 || got.Solved != workflow.SolvedNo || got.ReopenCount != 1 {
		t.Errorf("appeal %s, rating %d, solved %q, reopened %d times", got.State, got.Rating, got.Solved, got.ReopenCount)
	}
	if n := h.count(`SELECT count(*) FROM appeal_events WHERE appeal_id = $1 AND event = 'rate' AND (payload->>'rating')::int = 2`, a.ID); n != 1 {
		t.Errorf("%d audit rows with rating 2, want 1", n)
	}
	if n := h.count(`SELECT count(*) FROM appeal_events WHERE appeal_id = $1 AND event = 'reopen' AND payload->>'solved' = 'no'`, a.ID); n != 1 {
		t.Errorf("%d reopen events, want 1", n)
	}
	if n := h.count(`SELECT count(*) FROM appeal_events WHERE appeal_id = $1 AND event = 'resident_commented'
		AND actor_kind = 'resident' AND payload->>'text' = 'Мусор снова лежит у второго подъезда' AND payload->>'solved' = 'no'`, a.ID); n != 1 {
		t.Errorf("%d comment events with the text, want 1", n)
	}
	if kind, _, _ := h.dialog(zoya.u.ID); kind != "" {
		t.Errorf("dialog %q left after the comment", kind)
	}
	if ans := zoya.pressData(solved, yes); ans.Text != "Ответ уже учтён." {
		t.Errorf("«Да» after reopening answered %q", ans.Text)
	}
	if ans := zoya.pressData(prompt, prompt.Buttons()[0].CallbackData); ans.Text != "Эта кнопка уже не действует." {
		t.Errorf("«Пропустить» after the comment answered %q", ans.Text)
	}
	if got := h.appeal(a.ID); got.State != workflow.StateReopened || got.ReopenCount != 1 {
		t.Errorf("old buttons moved the appeal to %q, reopened %d times", got.State, got.ReopenCount)
	}
}

// TestNotSolvedThenSilenceStillReopens: «Частично» and then nothing
// written reopens all the same; «Пропустить» only ends the prompt. The
// next answer is judged anew: a second «Нет» reopens again, and a comment
// written only after that answer came has nowhere to go.
func TestNotSolvedThenSilenceStillReopens(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	housing := h.srv.NewGroup("ЖКХ")
	h.bind(housing, 0, "housing")
	curator := h.srv.NewUser("Куратор")
	h.grant(curator, workflow.RoleCurator, "housing")
	lev := h.newPlayer("Лев")
	lev.consent()
	a := h.answered(lev, curator)
	lev.press(lev.expect("Оцените, пожалуйста, ответ"), "3")
	lev.press(lev.expect("Проблема решена?"), "Частично")
	prompt := lev.expect("Что осталось нерешённым?")
	// Silence: nothing more is written.
	h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(housing.ID), telegramtest.Contains(
		"№ 2026-000001: заявитель сообщил, что проблема решена частично. Обращение возобновлено.")))
	if got := h.appeal(a.ID); got.State != workflow.StateReopened || got.Solved != workflow.SolvedPartly || got.ReopenCount != 1 {
		t.Errorf("after «Частично» and silence: %s, solved %q, reopened %d times", got.State, got.Solved, got.ReopenCount)
	}
	lev.press(prompt, "Пропустить")
	lev.expectExact("Хорошо, без комментария.")
	if kind, _, _ := h.dialog(lev.u.ID); kind != "" {
		t.Errorf("dialog %q left after «Пропустить»", kind)
	}
	if got := h.appeal(a.ID); got.State != workflow.StateReopened || got.ReopenCount != 1 {
		t.Errorf("after «Пропустить»: %s, reopened %d times", got.State, got.ReopenCount)
	}
	if n := h.count(`SELECT count(*) FROM appeal_events WHERE appeal_id = $1 AND event = 'resident_commented'`, a.ID); n != 0 {
		t.Errorf("%d comment events without a comment", n)
	}

	// The second answer: «Нет» reopens again, and the comment prompt is
	// left unanswered until a third answer has come.
	h.staffApply(curator, a.ID, workflow.EventTake, workflow.Input{})
	h.staffApply(curator, a.ID, workflow.EventSubmitDraft, workflow.Input{Text: "Контейнерную площадку убрали 5 марта."})
	h.staffApply(curator, a.ID, workflow.EventApprove, workflow.Input{})
	lev.press(lev.expect("Контейнерную площадку убрали"), "2")
	lev.press(lev.expect("Ваша оценка: 2 из 5. Проблема решена?"), "Нет")
	lev.expect("Что осталось нерешённым?")
	if got := h.appeal(a.ID); got.State != workflow.StateReopened || got.Solved != workflow.SolvedNo || got.ReopenCount != 2 {
		t.Errorf("after the second «Нет»: %s, solved %q, reopened %d times", got.State, got.Solved, got.ReopenCount)
	}
	h.staffApply(curator, a.ID, workflow.EventTake, workflow.Input{})
	h.staffApply(curator, a.ID, workflow.EventSubmitDraft, workflow.Input{Text: "Площадку огородили 6 марта."})
	h.staffApply(curator, a.ID, workflow.EventApprove, workflow.Input{})
	lev.expect("Площадку огородили")
	lev.send("Мусор всё равно лежит")
	lev.expectExact("Комментарий не передан: по сообщению № 2026-000001 уже есть новый ответ. Если проблема в другом — отправьте новое сообщение: /new.")
	if got := h.appeal(a.ID); got.State != workflow.StateAnswered || got.Solved != "" {
		t.Errorf("a late comment: %s, solved %q", got.State, got.Solved)
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
