package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"mcu/internal/telegramtest"
	"mcu/workflow"
)

// heatingText is what the residents of the incident tests write: similar
// texts about the same street, so that similar appeals find each other.
const heatingText = "Нет отопления в доме, батареи холодные уже второй день"

// submitAt submits an appeal for u to housing at address, registering u
// as a resident with a private chat.
func (h *harness) submitAt(u telegramtest.User, text, address string) *workflow.Appeal {
	h.t.Helper()
	ctx := context.Background()
	var residentID int64
	err := h.db.Pool().QueryRow(ctx, `
		INSERT INTO residents (telegram_user_id, chat_id, consent_at) VALUES ($1, $1, now())
		ON CONFLICT (telegram_user_id) DO UPDATE SET chat_id = excluded.chat_id
		RETURNING id`, u.ID).Scan(&residentID)
	if err != nil {
		h.t.Fatal(err)
	}
	a, err := h.svc.Submit(ctx, workflow.Resident(u.ID), workflow.NewAppeal{
		Kind: workflow.KindMessage, Source: workflow.SourceBot, Direction: "housing",
		ResidentID: residentID, Text: text, Address: address,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return a
}

// resident is a new user with a private chat with the bot.
func (h *harness) resident(name string) telegramtest.User {
	u := h.srv.NewUser(name)
	h.srv.OpenPrivateChat(u)
	return u
}

// botTexts returns the texts the bot sent to a chat that contain substr.
func (h *harness) botTexts(chatID int64, substr string) []string {
	var out []string
	for _, m := range h.srv.Sent(chatID) {
		if strings.Contains(m.Content(), substr) {
			out = append(out, m.Content())
		}
	}
	return out
}

// incidentCard waits for the incident's card in chat to match matches.
func (h *harness) incidentCard(chatID int64, matches ...func(telegramtest.Message) bool) telegramtest.Message {
	h.t.Helper()
	return h.srv.MustWaitMessage(h.t, telegramtest.All(append([]func(telegramtest.Message) bool{
		telegramtest.SentTo(chatID), telegramtest.Contains("Инцидент «"),
	}, matches...)...))
}

// collapsed waits for the card of number in chat to collapse into its
// incident's line.
func (h *harness) collapsed(chatID int64, number, title string) telegramtest.Message {
	h.t.Helper()
	return h.srv.MustWaitMessage(h.t, telegramtest.All(telegramtest.SentTo(chatID),
		telegramtest.Contains(fmt.Sprintf("№ %s — в инциденте «%s»", number, title))))
}

// makeIncident has u make an incident titled title from card's appeal
// with «Сделать инцидентом», choosing term.
func (h *harness) makeIncident(u telegramtest.User, chat telegramtest.Chat, card telegramtest.Message, button, title, term string) {
	h.t.Helper()
	last, _ := h.srv.LastSent(chat.ID)
	if got := h.answer(h.srv.MustPress(h.t, u, card, button)); got != "" {
		h.t.Fatalf("%s answered %q", button, got)
	}
	prompt := h.srv.MustWaitSent(h.t, telegramtest.All(telegramtest.After(last), telegramtest.SentTo(chat.ID),
		telegramtest.Contains("(например: «Нет отопления, ул. Ленина 1–15»)")))
	menu := h.say(u, title, telegramtest.In(chat), telegramtest.ReplyTo(prompt))
	if !strings.Contains(menu.Text, "Ожидаемый срок устранения") {
		h.t.Fatalf("after the title: %q", menu.Text)
	}
	if got := h.answer(h.srv.MustPress(h.t, u, menu, term)); got != "Готово" {
		h.t.Fatalf("term %s answered %q", term, got)
	}
}

// TestIncidentGathersAppeals: a curator makes an incident from a card,
// joins a second appeal with «Объединить» (its card says «Похоже на
// инцидент…») and a third likewise; each resident is told once, the
// incident's card counts 3 and names the addresses, the joined cards
// collapse; «Отделить» undoes a join; the audit trail and /history show
// it all.
func TestIncidentGathersAppeals(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	team := h.housingTeam()
	olga, housing := team.olga, team.housing
	boris, vera := h.resident("Борис"), h.resident("Вера")
	const title = "Нет отопления, ул. Ленина 1–15"

	a1 := h.submitAt(team.alice, heatingText, "ул. Ленина, 1")
	card1 := h.cardIn(housing.ID, a1.Number(), telegramtest.WithButton("Сделать инцидентом"))
	h.makeIncident(olga, housing, card1, "Сделать инцидентом", title, "Завтра 18:00")

	h.incidentCard(housing.ID, telegramtest.Contains("Обращений: 1"), telegramtest.Contains("Ожидаемый срок: 03.03.2026 18:00"))
	got := h.collapsed(housing.ID, a1.Number(), title)
	if b := got.ButtonTexts(); len(b) != 1 || b[0][0] != "Отделить" {
		t.Errorf("collapsed card buttons %v", b)
	}
	h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(team.alice.ID),
		telegramtest.Contains("Мы уже знаем об этой проблеме и работаем над ней: "+title+". Ожидаемый срок: 03.03.2026 18:00.")))

	// A second appeal: its card says it looks like the incident.
	a2 := h.submitAt(boris, heatingText+", холодно детям", "ул. Ленина, 5")
	card2 := h.cardIn(housing.ID, a2.Number(), telegramtest.Contains("Похоже на инцидент «"+title+"» (1 обращение)"),
		telegramtest.WithButton("Объединить"))
	if got := h.answer(h.srv.MustPress(t, olga, card2, "Объединить")); got != "Готово" {
		t.Fatalf("«Объединить» answered %q", got)
	}
	h.collapsed(housing.ID, a2.Number(), title)
	a3 := h.submitAt(vera, "Холодные батареи, нет отопления в квартире", "ул. Ленина, 7")
	card3 := h.cardIn(housing.ID, a3.Number(), telegramtest.Contains("Похоже на инцидент «"+title+"» (2 обращения)"))
	if got := h.answer(h.srv.MustPress(t, olga, card3, "Объединить")); got != "Готово" {
		t.Fatalf("«Объединить» answered %q", got)
	}
	h.collapsed(housing.ID, a3.Number(), title)
	card := h.incidentCard(housing.ID, telegramtest.Contains("Обращений: 3"))
	for _, want := range []string{"Адреса: ул. Ленина, 1; ул. Ленина, 5; ул. Ленина, 7",
		"Номера: № " + a1.Number() + "; № " + a2.Number() + "; № " + a3.Number()} {
		if !strings.Contains(card.Text, want) {
			t.Errorf("incident card lacks %q:\n%s", want, card.Text)
		}
	}
	if n := len(h.srv.Sent(housing.ID)); n == 0 {
		t.Fatal("nothing in the chat")
	}
	// One incident card in the chat, edited in place.
	if cards := h.botTexts(housing.ID, "Инцидент «"); len(cards) != 1 {
		t.Errorf("%d incident cards in the chat, want 1", len(cards))
	}
	for _, u := range []telegramtest.User{team.alice, boris, vera} {
		h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(u.ID), telegramtest.Contains("Мы уже знаем об этой проблеме")))
	}
	h.waitFor("the outbox to drain", func() bool {
		return h.count(`SELECT count(*) FROM outbox WHERE chat_id IS NOT NULL AND sent_at IS NULL AND failed_at IS NULL`) == 0
	})
	for _, u := range []telegramtest.User{team.alice, boris, vera} {
		if told := h.botTexts(u.ID, "Мы уже знаем об этой проблеме"); len(told) != 1 {
			t.Errorf("resident %s told %d times, want once: %q", u.FirstName, len(told), told)
		}
	}
	if n := h.count(`SELECT count(*) FROM appeal_events WHERE event = 'join_incident' AND actor_id = $1 AND role = 'curator'`, olga.ID); n != 3 {
		t.Errorf("%d join_incident audit rows by the curator, want 3", n)
	}

	// A new term reaches every resident of the incident.
	last, _ := h.srv.LastSent(housing.ID)
	if got := h.answer(h.srv.MustPress(t, olga, card, "Изменить срок")); got != "" {
		t.Fatalf("«Изменить срок» answered %q", got)
	}
	menu := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.After(last), telegramtest.Contains("Ожидаемый срок устранения")))
	if got := h.answer(h.srv.MustPress(t, olga, menu, "Через 3 дня")); got != "Готово" {
		t.Fatalf("«Через 3 дня» answered %q", got)
	}
	card = h.incidentCard(housing.ID, telegramtest.Contains("Ожидаемый срок: 05.03.2026 18:00"))
	for _, u := range []telegramtest.User{team.alice, boris, vera} {
		h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(u.ID),
			telegramtest.Contains("По проблеме «"+title+"» (сообщение № "), telegramtest.Contains("новый ожидаемый срок: 05.03.2026 18:00.")))
	}

	// «Отделить» undoes the join of the third: its card expands again.
	coll3 := h.collapsed(housing.ID, a3.Number(), title)
	if got := h.answer(h.srv.MustPress(t, olga, coll3, "Отделить")); got != "Готово" {
		t.Fatalf("«Отделить» answered %q", got)
	}
	h.cardIn(housing.ID, a3.Number(), telegramtest.WithButton("Сделать инцидентом"))
	h.incidentCard(housing.ID, telegramtest.Contains("Обращений: 2"))
	if got := h.appeal(a3.ID); got.IncidentID != 0 || got.State != workflow.StateAssigned {
		t.Errorf("after «Отделить»: incident %d, state %s", got.IncidentID, got.State)
	}
	hist := h.say(olga, "/history "+a3.Number(), telegramtest.In(housing))
	for _, want := range []string{"в инциденте «" + title + "» — Ольга", "отделено от инцидента — Ольга"} {
		if !strings.Contains(hist.Text, want) {
			t.Errorf("/history lacks %q:\n%s", want, hist.Text)
		}
	}
}

// TestIncidentAnswerReachesEveryone: one approved answer reaches every
// joined resident once, with the rating buttons; each appeal is answered
// with its own audit row; «Нет» from one resident reopens and detaches
// only that appeal.
func TestIncidentAnswerReachesEveryone(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	team := h.housingTeam()
	olga, ivan, housing := team.olga, team.ivan, team.housing
	zoya, lev := h.newPlayer("Зоя"), h.newPlayer("Лев")
	zoya.consent()
	lev.consent()
	// The title goes into an HTML prompt: «<» and «&» are escaped there.
	const title = "Нет отопления & <горячей воды>, ул. Ленина 1–15"
	a1 := h.submitAt(zoya.u, heatingText, "ул. Ленина, 1")
	a2 := h.submitAt(lev.u, heatingText, "ул. Ленина, 3")
	h.staffApply(ivan, a2.ID, workflow.EventTake, workflow.Input{}) // one taken, one not
	inc, err := h.svc.MakeIncident(context.Background(), workflow.Staff(olga.ID), title, h.clock().Add(8*3600e9), []workflow.AppealRef{{ID: a1.ID}, {ID: a2.ID}})
	if err != nil {
		t.Fatal(err)
	}
	card := h.incidentCard(housing.ID, telegramtest.Contains("Обращений: 2"), telegramtest.WithButton("Подготовить ответ"))

	// The executor prepares the answer: a photo first, then the text.
	last, _ := h.srv.LastSent(housing.ID)
	if got := h.answer(h.srv.MustPress(t, ivan, card, "Подготовить ответ")); got != "" {
		t.Fatalf("«Подготовить ответ» answered %q", got)
	}
	prompt := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.After(last), telegramtest.Contains("ответ всем заявителям инцидента «"+title+"»")))
	const answer = "Отопление восстановлено 2 марта в 16:00 после ремонта трубы."
	photo := h.srv.SendPhoto(ivan, "", telegramtest.In(housing), telegramtest.ReplyTo(prompt))
	if got := h.srv.MustWaitSent(t, telegramtest.After(photo)); got.Text != "Фото добавлено. Теперь напишите текст ответом на то же сообщение." {
		t.Errorf("photo kept: %q", got.Text)
	}
	if got := h.say(ivan, answer, telegramtest.In(housing), telegramtest.ReplyTo(prompt)); !strings.Contains(got.Text, "отправлен на утверждение") {
		t.Errorf("draft sent: %q", got.Text)
	}
	card = h.incidentCard(housing.ID, telegramtest.Contains("Проект ответа:\n"+answer+"\nФото к ответу: 1"), telegramtest.WithButton("Утвердить"))
	// The executor may not approve.
	before := h.snapshot()
	if got := h.answer(h.srv.MustPress(t, ivan, card, "Утвердить")); got != "Недостаточно прав." {
		t.Errorf("executor's «Утвердить» answered %q", got)
	}
	if after := h.snapshot(); after != before {
		t.Errorf("a refused approval changed %s → %s", before, after)
	}
	if got := h.answer(h.srv.MustPress(t, olga, card, "Утвердить")); got != "Ответ утверждён и отправлен заявителям: 2." {
		t.Fatalf("«Утвердить» answered %q", got)
	}
	h.incidentCard(housing.ID, telegramtest.Contains("Статус: ответ дан"), telegramtest.Contains("Ответ:\n"+answer))
	for _, a := range []*workflow.Appeal{a1, a2} {
		if got := h.appeal(a.ID); got.State != workflow.StateAnswered || got.Answer != answer {
			t.Errorf("appeal %s: %s, answer %q", a.Number(), got.State, got.Answer)
		}
		if n := h.count(`SELECT count(*) FROM appeal_events WHERE appeal_id = $1 AND event = 'answer_incident'
			AND actor_id = $2 AND role = 'curator' AND to_state = 'answered'`, a.ID, olga.ID); n != 1 {
			t.Errorf("appeal %s: %d answer_incident audit rows, want 1", a.Number(), n)
		}
	}
	var answerMsg telegramtest.Message
	for i, p := range []*player{zoya, lev} {
		num := []*workflow.Appeal{a1, a2}[i].Number()
		answerMsg = p.expectExact("Ответ на сообщение № " + num + ":\n\n" + answer + "\n\nОцените, пожалуйста, ответ от 1 до 5:")
		if b := answerMsg.ButtonTexts(); len(b) != 1 || len(b[0]) != 5 {
			t.Errorf("%s: rating buttons %v", p.u.FirstName, b)
		}
		// The draft's photo comes just above the answer.
		var photos []telegramtest.Message
		for _, m := range h.srv.Sent(p.u.ID) {
			if len(m.Photo) > 0 {
				photos = append(photos, m)
			}
		}
		if len(photos) != 1 || photos[0].MessageID != answerMsg.MessageID-1 || photos[0].Caption != "№ "+num+": фото к ответу" {
			t.Errorf("%s got photos %v before the answer %d", p.u.FirstName, photos, answerMsg.MessageID)
		}
	}
	if got := inc.ID; got == 0 {
		t.Fatal("no incident id")
	}

	// Лев: «Нет» reopens his appeal alone and takes it out of the incident.
	lev.press(answerMsg, "2")
	solved := lev.expect("Проблема решена?")
	lev.press(solved, "Нет")
	h.waitFor("Лев's appeal to reopen", func() bool { return h.appeal(a2.ID).State == workflow.StateReopened })
	if got := h.appeal(a2.ID); got.IncidentID != 0 {
		t.Errorf("reopened appeal still in incident %d", got.IncidentID)
	}
	if got := h.appeal(a1.ID); got.State != workflow.StateAnswered || got.IncidentID != inc.ID {
		t.Errorf("Зоя's appeal: %s, incident %d", got.State, got.IncidentID)
	}
	if n := h.count(`SELECT count(*) FROM appeal_events WHERE appeal_id = $1 AND event = 'leave_incident'
		AND actor_kind = 'resident' AND payload->>'reason' = 'reopen'`, a2.ID); n != 1 {
		t.Errorf("%d leave_incident rows after «Нет», want 1", n)
	}
	// Back in the queue: his card expands again, the incident counts 1.
	h.cardIn(housing.ID, a2.Number(), telegramtest.Contains("Статус: возобновлено"), telegramtest.WithButton("Взять в работу"))
	h.incidentCard(housing.ID, telegramtest.Contains("Обращений: 1"))
	h.waitFor("the outbox to drain", func() bool {
		return h.count(`SELECT count(*) FROM outbox WHERE chat_id IS NOT NULL AND sent_at IS NULL AND failed_at IS NULL`) == 0
	})
	for _, p := range []*player{zoya, lev} {
		if got := h.botTexts(p.u.ID, "Ответ на сообщение"); len(got) != 1 {
			t.Errorf("%s got %d answers, want 1", p.u.FirstName, len(got))
		}
	}
}

// TestIncidentAnswerTo200 answers 200 joined appeals at once at
// Telegram's strict limits (virtual time): every resident gets exactly
// one answer, none is lost, none doubled.
func TestIncidentAnswerTo200(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("200 residents")
	}
	h := newHarness(t, harnessOptions{})
	team := h.housingTeam()
	olga, housing := team.olga, team.housing
	ctx := context.Background()
	const n = 200
	users := make([]telegramtest.User, n)
	refs := make([]workflow.AppealRef, n)
	for i := range users {
		users[i] = h.resident(fmt.Sprintf("Житель %d", i))
		a := h.submitAt(users[i], heatingText, fmt.Sprintf("ул. Ленина, %d", i+1))
		refs[i] = workflow.AppealRef{ID: a.ID}
	}
	inc, err := h.svc.MakeIncident(ctx, workflow.Staff(olga.ID), "Нет отопления, ул. Ленина", h.clock().Add(48*3600e9), refs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.SubmitIncidentDraft(ctx, workflow.Staff(olga.ID), inc.ID, "Отопление восстановлено.", nil); err != nil {
		t.Fatal(err)
	}
	// 200 cards, lists and edits go to the group at 20 a minute of
	// Telegram's (virtual) clock first: more than the usual wait on a busy
	// machine.
	waitCtx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	card, err := h.srv.WaitMessage(waitCtx, telegramtest.All(telegramtest.SentTo(housing.ID), telegramtest.Contains("Инцидент «"),
		telegramtest.Contains("Обращений: 200"), telegramtest.Contains("и ещё 190"), telegramtest.WithButton("Утвердить")))
	if err != nil {
		t.Fatal(err)
	}
	if got := h.answer(h.srv.MustPress(t, olga, card, "Утвердить")); got != "Ответ утверждён и отправлен заявителям: 200." {
		t.Fatalf("«Утвердить» answered %q", got)
	}
	if c := h.count(`SELECT count(*) FROM appeals WHERE incident_id = $1 AND state = 'answered'`, inc.ID); c != n {
		t.Errorf("%d appeals answered, want %d", c, n)
	}
	for deadline := time.Now().Add(90 * time.Second); h.count(`SELECT count(*) FROM outbox
		WHERE kind = 'resident' AND sent_at IS NULL AND failed_at IS NULL`) > 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for every answer to be sent")
		}
	}
	if f := h.count(`SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL`); f != 0 {
		t.Errorf("%d outbox messages given up", f)
	}
	for _, u := range users {
		if got := h.botTexts(u.ID, "Ответ на сообщение"); len(got) != 1 {
			t.Errorf("%s got %d answers, want 1", u.FirstName, len(got))
		}
	}
	if c := h.count(`SELECT count(*) FROM appeal_events WHERE event = 'answer_incident'`); c != n {
		t.Errorf("%d answer_incident audit rows, want %d", c, n)
	}
}

// TestIncidentButtonsRefused: every incident button pressed by an
// executor, a curator of another direction and a resident-looking user
// answers «Недостаточно прав.» and changes nothing.
func TestIncidentButtonsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	team := h.housingTeam()
	olga, housing := team.olga, team.housing
	boris := h.resident("Борис")
	const title = "Нет отопления, ул. Ленина"
	a1 := h.submitAt(team.alice, heatingText, "ул. Ленина, 1")
	a2 := h.submitAt(boris, heatingText, "ул. Ленина, 3")
	ctx := context.Background()
	inc, err := h.svc.MakeIncident(ctx, workflow.Staff(olga.ID), title, h.clock().Add(3600e9), []workflow.AppealRef{{ID: a1.ID}, {ID: a2.ID}})
	if err != nil {
		t.Fatal(err)
	}
	a3 := h.submitAt(h.resident("Вера"), heatingText, "ул. Ленина, 5")
	card3 := h.cardIn(housing.ID, a3.Number(), telegramtest.Contains("Похоже на инцидент"), telegramtest.WithButton("Объединить"))
	coll := h.collapsed(housing.ID, a1.Number(), title)
	open := h.incidentCard(housing.ID, telegramtest.Contains("Обращений: 2"), telegramtest.WithButton("Подготовить ответ"))

	executor := team.ivan
	other := h.srv.NewUser("Куратор соцсферы")
	h.grant(other, workflow.RoleCurator, "social")
	stranger := h.srv.NewUser("Прохожий")
	for _, u := range []telegramtest.User{executor, other, stranger} {
		for _, press := range []struct {
			msg    telegramtest.Message
			button string
		}{
			{card3, "Сделать инцидентом"}, {card3, "Объединить"}, {coll, "Отделить"}, {open, "Изменить срок"},
		} {
			before := h.snapshot()
			if got := h.answer(h.srv.MustPress(t, u, press.msg, press.button)); got != "Недостаточно прав." {
				t.Errorf("%s pressed «%s»: %q", u.FirstName, press.button, got)
			}
			if after := h.snapshot(); after != before {
				t.Errorf("%s pressed «%s»: refused, but %s → %s", u.FirstName, press.button, before, after)
			}
		}
		if u.ID == executor.ID {
			continue // an executor of the direction may prepare the answer
		}
		before := h.snapshot()
		if got := h.answer(h.srv.MustPress(t, u, open, "Подготовить ответ")); got != "Недостаточно прав." {
			t.Errorf("%s pressed «Подготовить ответ»: %q", u.FirstName, got)
		}
		if after := h.snapshot(); after != before {
			t.Errorf("%s: refused draft changed %s → %s", u.FirstName, before, after)
		}
	}
	// Forged presses of the menus' choices and the approval are refused too.
	if _, err := h.svc.SubmitIncidentDraft(ctx, workflow.Staff(olga.ID), inc.ID, "Отопление восстановлено.", nil); err != nil {
		t.Fatal(err)
	}
	approval := h.incidentCard(housing.ID, telegramtest.WithButton("Утвердить"))
	for _, u := range []telegramtest.User{executor, other, stranger} {
		for _, button := range []string{"Утвердить", "Вернуть"} {
			before := h.snapshot()
			if got := h.answer(h.srv.MustPress(t, u, approval, button)); got != "Недостаточно прав." {
				t.Errorf("%s pressed «%s»: %q", u.FirstName, button, got)
			}
			if after := h.snapshot(); after != before {
				t.Errorf("%s pressed «%s»: refused, but %s → %s", u.FirstName, button, before, after)
			}
		}
		before := h.snapshot()
		data := fmt.Sprintf("\finc_t|%d|%d|%s", inc.ID, h.incidentVersion(inc.ID), workflow.TermTomorrow)
		if got := h.answer(h.srv.PressData(u, approval, data)); got != "Недостаточно прав." {
			t.Errorf("%s forged a term: %q", u.FirstName, got)
		}
		if after := h.snapshot(); after != before {
			t.Errorf("%s: a forged term changed %s → %s", u.FirstName, before, after)
		}
	}
	if got := h.appeal(a3.ID); got.IncidentID != 0 {
		t.Errorf("appeal joined by a refused press: incident %d", got.IncidentID)
	}
}

// incidentVersion returns an incident's version as stored.
func (h *harness) incidentVersion(id int64) int {
	return h.count(`SELECT version FROM incidents WHERE id = $1`, id)
}

// TestIncidentAnswerAsAlbum: the answer of an incident sent as an album
// captioned with the text waits for «Отправить проект» and keeps every
// photo; the resident gets them all with the answer.
func TestIncidentAnswerAsAlbum(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	team := h.housingTeam()
	ivan, olga, housing := team.ivan, team.olga, team.housing
	a := h.submitAt(team.alice, heatingText, "ул. Ленина, 1")
	if _, err := h.svc.MakeIncident(context.Background(), workflow.Staff(olga.ID), "Нет отопления", time.Time{}, []workflow.AppealRef{{ID: a.ID}}); err != nil {
		t.Fatal(err)
	}
	card := h.incidentCard(housing.ID, telegramtest.WithButton("Подготовить ответ"))
	last, _ := h.srv.LastSent(housing.ID)
	h.answer(h.srv.MustPress(t, ivan, card, "Подготовить ответ"))
	prompt := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.After(last), telegramtest.Contains("ответ всем заявителям")))
	const text = "Отопление дали, фото котельной."
	album := h.srv.SendAlbum(ivan, 3, text, telegramtest.In(housing), telegramtest.ReplyTo(prompt))
	kept := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.After(album[0]), telegramtest.WithButton("Отправить проект")))
	h.srv.MustWaitDelivered(t, album[len(album)-1].UpdateID)
	if got := h.answer(h.srv.MustPress(t, olga, kept, "Отправить проект")); got != "Этот проект уже отправлен или отменён." {
		t.Errorf("another's press answered %q", got)
	}
	if got := h.answer(h.srv.MustPress(t, ivan, kept, "Отправить проект")); got != "" {
		t.Errorf("press answered %q", got)
	}
	card = h.incidentCard(housing.ID, telegramtest.Contains("Фото к ответу: 3"), telegramtest.WithButton("Утвердить"))
	h.answer(h.srv.MustPress(t, olga, card, "Утвердить"))
	answer := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(team.alice.ID), telegramtest.Contains("Ответ на сообщение")))
	photos := 0
	for _, m := range h.srv.Sent(team.alice.ID) {
		if len(m.Photo) > 0 && m.MessageID < answer.MessageID {
			photos++
		}
	}
	if photos != 3 {
		t.Errorf("resident got %d photos with the answer, want 3", photos)
	}
}
