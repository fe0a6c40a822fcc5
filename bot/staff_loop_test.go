package bot_test

import (
	"context"
	"strings"
	"testing"

	"mcu/internal/golden"
	"mcu/internal/telegramtest"
	"mcu/workflow"
)

// TestFullLoop follows an appeal from a resident through the curator's
// chat to the approved answer, checking the card after every step
// against testdata/card/*.golden.
func TestFullLoop(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	team := h.housingTeam()
	alice, ivan, olga, housing := team.alice, team.ivan, team.olga, team.housing
	const num = "2026-000001"
	step := func(name string, matches ...func(telegramtest.Message) bool) telegramtest.Message {
		t.Helper()
		card := h.cardIn(housing.ID, num, matches...)
		golden.Check(t, "card/"+name+".golden", view(card))
		return card
	}
	residentGot := func(substr string) telegramtest.Message {
		t.Helper()
		return h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(alice.ID), telegramtest.Contains(substr)))
	}
	prompt := func(card telegramtest.Message, by telegramtest.User, button, substr string) telegramtest.Message {
		t.Helper()
		last, _ := h.srv.LastSent(housing.ID)
		q := h.srv.MustPress(t, by, card, button)
		if a := h.answer(q); a != "" {
			t.Errorf("%s: answered %q", button, a)
		}
		p := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.After(last), telegramtest.Contains(substr)))
		if !p.ForceReply {
			t.Errorf("prompt %q is not a force reply", p.Text)
		}
		return p
	}

	a := h.submitFor(alice, "housing", "Протекает крыша над квартирой 12, дом 3 по ул. Ленина")
	card := step("01_new", telegramtest.Contains("Статус: передано исполнителю"))

	q := h.srv.MustPress(t, ivan, card, "Взять в работу")
	if got := h.answer(q); got != "Готово" {
		t.Errorf("take: %q", got)
	}
	card = step("02_taken", telegramtest.Contains("Исполнитель: Иван"))

	p := prompt(card, ivan, "Вопрос жителю", "напишите вопрос заявителю по № "+num)
	ack := h.say(ivan, "Уточните, пожалуйста, номер подъезда.", telegramtest.ReplyTo(p))
	if ack.Text != "№ "+num+": вопрос отправлен заявителю." {
		t.Errorf("question acknowledged with %q", ack.Text)
	}
	if got := residentGot("у сотрудника вопрос").Text; got != "По сообщению № "+num+" у сотрудника вопрос:\n\nУточните, пожалуйста, номер подъезда.\n\nНажмите «Ответить», чтобы ответить." {
		t.Errorf("resident got %q", got)
	}
	card = step("03_question", telegramtest.Contains("Статус: ждём уточнения"))

	// The resident answers (the resident's side fires resident_replied).
	if _, err := h.svc.Apply(context.Background(), workflow.Command{
		AppealID: a.ID, Event: workflow.EventResidentReplied, Actor: workflow.Resident(alice.ID),
		Input: workflow.Input{Text: "Второй подъезд"},
	}); err != nil {
		t.Fatal(err)
	}
	h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(housing.ID), telegramtest.Contains("заявитель ответил на вопрос:\n\nВторой подъезд")))
	card = step("04_replied", telegramtest.Contains("заявитель ответил — заявитель"))

	p = prompt(card, ivan, "Подготовить ответ", "напишите проект ответа по № "+num)
	ack = h.say(ivan, "Крышу над квартирой 12 отремонтируем.", telegramtest.ReplyTo(p))
	if ack.Text != "№ "+num+": проект ответа отправлен на согласование." {
		t.Errorf("draft acknowledged with %q", ack.Text)
	}
	card = step("05_draft", telegramtest.Contains("Статус: ответ на согласовании"))

	q = h.srv.MustPress(t, olga, card, "Вернуть")
	h.answer(q)
	menu := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(housing.ID), telegramtest.Contains("почему проект возвращается")))
	if got := h.answer(h.srv.MustPress(t, olga, menu, "Нет срока устранения")); got != "Готово" {
		t.Errorf("return reason: %q", got)
	}
	notice := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(housing.ID), telegramtest.Contains("возвращён на доработку")))
	if want := "№ " + num + ": черновик возвращён на доработку. Причина: не указан срок устранения проблемы"; notice.Text != want {
		t.Errorf("chat told %q, want %q", notice.Text, want)
	}
	if _, ok := h.srv.Message(housing.ID, menu.MessageID); ok {
		t.Errorf("the reasons menu is still there")
	}
	card = step("06_returned", telegramtest.Contains("Прежний проект ответа"))

	p = prompt(card, ivan, "Подготовить ответ", "напишите проект ответа по № "+num)
	answer := "Крыша над квартирой 12 отремонтирована 05.03.2026, акт и фото прилагаются."
	photo := h.srv.SendPhoto(ivan, answer, telegramtest.ReplyTo(p))
	h.srv.MustWaitSent(t, telegramtest.After(photo))
	card = step("07_draft_again", telegramtest.Contains("Фото к проекту: 1"))

	q = h.srv.MustPress(t, olga, card, "Утвердить")
	if got := h.answer(q); got != "Готово" {
		t.Errorf("approve: %q", got)
	}
	answered := residentGot("Ответ на сообщение")
	if got := answered.Text; got != "Ответ на сообщение № "+num+":\n\n"+answer+"\n\nОцените, пожалуйста, ответ от 1 до 5:" {
		t.Errorf("resident got %q", got)
	}
	// The draft's photo, the evidence, comes just above the answer.
	evidence := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(alice.ID), telegramtest.Contains("фото к ответу")))
	if evidence.Caption != "№ "+num+": фото к ответу" || len(evidence.Photo) == 0 ||
		evidence.Photo[len(evidence.Photo)-1].FileID != photo.Photo[len(photo.Photo)-1].FileID || evidence.MessageID > answered.MessageID {
		t.Errorf("evidence sent to the resident: %v (answer is #%d)", evidence, answered.MessageID)
	}
	step("08_answered", telegramtest.Contains("Статус: дан ответ"))

	hist := h.say(olga, "/history "+num, telegramtest.In(housing)).Text
	for _, want := range []string{
		"История № " + num + ":",
		"02.03.2026 10:00 — взято в работу — Иван (id ",
		", исполнитель)",
		"возвращено: не указан срок устранения проблемы — Ольга (id ",
		"ответ утверждён — Ольга (id ",
		", куратор)",
		"заявитель ответил — заявитель",
	} {
		if !strings.Contains(hist, want) {
			t.Errorf("/history lacks %q:\n%s", want, hist)
		}
	}
	if n := h.count(`SELECT count(*) FROM appeal_events WHERE actor_kind = 'staff' AND (actor_id = 0 OR role = '')`); n != 0 {
		t.Errorf("%d staff events without id or role", n)
	}
}

// TestCardMediaAndResend: photos go as one album and the location as a
// pin above the card; a card Telegram can no longer edit is sent anew,
// replying to the same photos, which are not sent again.
func TestCardMediaAndResend(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	alice, ivan := h.srv.NewUser("Алиса"), h.srv.NewUser("Иван")
	h.srv.OpenPrivateChat(alice)
	housing := h.srv.NewGroup("ЖКХ")
	h.bind(housing, 0, "housing")
	h.grant(ivan, workflow.RoleExecutor, "housing")
	var files []workflow.Attachment
	for range 2 {
		m := h.srv.SendPhoto(alice, "")
		files = append(files, workflow.Attachment{Kind: "photo", FileID: m.Photo[len(m.Photo)-1].FileID})
	}
	ctx := context.Background()
	var residentID int64
	if err := h.db.Pool().QueryRow(ctx, `INSERT INTO residents (telegram_user_id, chat_id, consent_at) VALUES ($1, $1, now()) RETURNING id`,
		alice.ID).Scan(&residentID); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("Очень длинное описание ямы на дороге. ", 60)
	if _, err := h.svc.Submit(ctx, workflow.Resident(alice.ID), workflow.NewAppeal{
		Kind: workflow.KindMessage, Source: workflow.SourceBot, Direction: "housing", ResidentID: residentID,
		Text: long, Attachments: files, Location: &workflow.Location{Latitude: 59.1178, Longitude: 28.0886},
	}); err != nil {
		t.Fatal(err)
	}
	card := h.cardIn(housing.ID, "2026-000001")
	sent := h.srv.Sent(housing.ID)
	if len(sent) != 4 || sent[0].MediaGroupID == "" || sent[0].MediaGroupID != sent[1].MediaGroupID ||
		sent[0].Caption != "№ 2026-000001: вложения заявителя" || sent[2].Location == nil || sent[3].MessageID != card.MessageID {
		t.Fatalf("want an album of 2, a pin and the card; the chat has:\n%v", sent)
	}
	if card.ReplyToMessage == nil || card.ReplyToMessage.MessageID != sent[0].MessageID {
		t.Errorf("the card does not reply to the album")
	}
	if !strings.Contains(card.Text, "Вложения над карточкой — фото: 2, место на карте") || strings.Contains(card.Text, long) {
		t.Errorf("card text:\n%s", card.Text)
	}
	q := h.srv.MustPress(t, ivan, card, "Показать полностью")
	h.answer(q)
	full := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(housing.ID), telegramtest.Contains("полный текст")))
	if !strings.Contains(full.Text, strings.TrimSpace(long)) {
		t.Errorf("«Показать полностью» sent %q", full.Text)
	}

	// Telegram refuses to edit the card: a new one replaces it.
	h.srv.AddFault(telegramtest.Fault{Method: "editMessageText", Code: 400, Description: "Bad Request: message to edit not found"})
	h.answer(h.srv.MustPress(t, ivan, card, "Взять в работу"))
	renewed := h.cardIn(housing.ID, "2026-000001", telegramtest.Contains("Статус: в работе"))
	if renewed.MessageID == card.MessageID || renewed.ReplyToMessage == nil || renewed.ReplyToMessage.MessageID != sent[0].MessageID {
		t.Errorf("renewed card %s", renewed)
	}
	if n := len(h.srv.CallsOf("sendMediaGroup")); n != 1 {
		t.Errorf("%d albums sent, want 1", n)
	}
	// The new card is the one remembered: the next change edits it.
	if _, err := h.svc.Apply(ctx, workflow.Command{AppealID: 1,
		Event: workflow.EventAskResident, Actor: workflow.Staff(ivan.ID), Input: workflow.Input{Text: "Где именно яма?"}}); err != nil {
		t.Fatal(err)
	}
	h.srv.MustWaitMessage(t, func(m telegramtest.Message) bool {
		return m.Chat.ID == housing.ID && m.MessageID == renewed.MessageID && strings.Contains(m.Text, "Статус: ждём уточнения")
	})
}
