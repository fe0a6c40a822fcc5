package bot_test

import (
	"strings"
	"testing"
	"time"

	"mcu/internal/telegramtest"
	"mcu/workflow"
)

// askDigest has by write /digest in chat (bound to head or leader) and
// returns the digest that comes: the chart with the digest as its caption
// and the buttons under it.
func (h *harness) askDigest(chat telegramtest.Chat, by telegramtest.User) telegramtest.Message {
	h.t.Helper()
	var opts []telegramtest.SendOption
	if chat.Type != "private" {
		opts = append(opts, telegramtest.In(chat))
	}
	asked := h.srv.SendText(by, "/digest", opts...)
	return h.srv.MustWaitSent(h.t, telegramtest.All(telegramtest.After(asked), telegramtest.SentTo(chat.ID),
		func(m telegramtest.Message) bool {
			return len(m.Photo) > 0 && strings.HasPrefix(m.Caption, "📊 Сводка на")
		}))
}

// TestDigestButtonsOpenCards: a number under the digest sends that
// appeal's card, without buttons, to the chat where it is pressed, for
// whoever may see the appeal; anyone else is refused and nothing is sent.
func TestDigestButtonsOpenCards(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	alice := h.srv.NewUser("Алиса")
	h.srv.OpenPrivateChat(alice)
	h.submitFor(alice, "housing", "Во дворе дома 5 не вывозят мусор")     // 2026-000001, due 17.03
	h.submitFor(alice, "economy", "Вопрос о субсидии для малого бизнеса") // 2026-000002
	h.advance(20 * 24 * time.Hour)                                        // 22.03: both overdue

	// The head, in the private chat the digest comes to.
	glava := h.srv.NewUser("Глава")
	private := h.srv.OpenPrivateChat(glava)
	h.grant(glava, workflow.RoleHead, "")
	h.bind(private, 0, "head")
	dg := h.askDigest(private, glava)
	if got := dg.ButtonTexts(); len(got) != 1 || strings.Join(got[0], " ") != "2026-000001 2026-000002" {
		t.Fatalf("the digest's buttons: %v", got)
	}
	if a := h.answer(h.srv.MustPress(t, glava, dg, "2026-000001")); a != "" {
		t.Errorf("the head's press was answered %q", a)
	}
	card := h.cardIn(private.ID, "2026-000001")
	for _, want := range []string{"Направление: ЖКХ", "Срок: 17.03.2026 — просрочено на 5 дн.", "не вывозят мусор"} {
		if !strings.Contains(card.Text, want) {
			t.Errorf("the card lacks %q:\n%s", want, card.Text)
		}
	}
	if len(card.ButtonTexts()) != 0 || card.ReplyToMessage == nil || card.ReplyToMessage.MessageID != dg.MessageID {
		t.Errorf("the card has buttons %v or does not reply to the digest", card.ButtonTexts())
	}

	// The leader's group, where people of every role may press.
	group := h.srv.NewGroup("МЦУ")
	h.bind(group, 0, "leader")
	leader := h.srv.NewUser("Руководитель")
	h.grant(leader, workflow.RoleLeader, "")
	dg = h.askDigest(group, leader)
	user := func(name string, role workflow.Role, direction string) telegramtest.User {
		u := h.srv.NewUser(name)
		if role != "" {
			h.grant(u, role, direction)
		}
		return u
	}
	leader, operator := user("Руководитель", workflow.RoleLeader, ""), user("Оператор", workflow.RoleOperator, "")
	stranger, economy := user("Посторонний", "", ""), user("Экономист", workflow.RoleCurator, "economy")
	executor := user("Исполнитель", workflow.RoleExecutor, "housing")
	cases := []struct {
		who    telegramtest.User
		number string
		sees   bool
	}{
		{stranger, "2026-000001", false},
		{economy, "2026-000001", false}, // another direction's
		{economy, "2026-000002", true},
		{executor, "2026-000001", true},
		{leader, "2026-000002", true},
		{operator, "2026-000001", true},
	}
	for _, c := range cases {
		before := len(h.srv.Sent(group.ID))
		answer := h.answer(h.srv.MustPress(t, c.who, dg, c.number))
		sent := h.srv.Sent(group.ID)
		switch {
		case !c.sees && (answer != "Недостаточно прав." || len(sent) != before):
			t.Errorf("%s pressing %s: %q, %d messages sent; want a refusal and none", c.who.FirstName, c.number, answer, len(sent)-before)
		case c.sees && (answer != "" || len(sent) != before+1 || !strings.HasPrefix(sent[len(sent)-1].Text, "№ "+c.number+" ·")):
			t.Errorf("%s pressing %s: %q, %d messages sent; want the card", c.who.FirstName, c.number, answer, len(sent)-before)
		}
	}

	// A forged press: an unknown number, a malformed one.
	if a := h.answer(h.srv.PressData(glava, dg, "\fdgc|2026-000099")); a != "Не найдено." {
		t.Errorf("an unknown number: %q", a)
	}
	if a := h.answer(h.srv.PressData(glava, dg, "\fdgc|17")); a != "Это действие сейчас недоступно." {
		t.Errorf("a malformed number: %q", a)
	}
}

// TestDigestOnlyInHeadOrLeaderChat: /digest elsewhere says where to ask
// and sends no digest.
func TestDigestOnlyInHeadOrLeaderChat(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	group := h.srv.NewGroup("ЖКХ")
	h.bind(group, 0, "housing")
	u := h.srv.NewUser("Ольга")
	h.grant(u, workflow.RoleCurator, "housing")
	got := h.say(u, "/digest", telegramtest.In(group))
	if !strings.Contains(got.Text, "в чате главы или руководителя") || len(got.Photo) > 0 {
		t.Errorf("/digest in a direction chat answered %v", got)
	}
}
