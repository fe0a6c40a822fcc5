package bot_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"mcu/internal/telegramtest"
	"mcu/workflow"
)

// adminID is the bootstrap admin of staff tests (MCU_ADMIN_IDS).
const adminID = 900001

// newStaffHarness returns a harness with a bootstrap admin, who has
// opened a private chat with the bot.
func newStaffHarness(t *testing.T) (*harness, telegramtest.User) {
	t.Helper()
	h := newHarness(t, harnessOptions{Admins: []int64{adminID}})
	admin := h.srv.AddUser(telegramtest.User{ID: adminID, FirstName: "Анна", LastName: "Админова"})
	h.srv.OpenPrivateChat(admin)
	return h, admin
}

// say sends text from u (with opts placing it) and returns the bot's
// first message after it in that chat.
func (h *harness) say(u telegramtest.User, text string, opts ...telegramtest.SendOption) telegramtest.Message {
	h.t.Helper()
	msg := h.srv.SendText(u, text, opts...)
	return h.srv.MustWaitSent(h.t, telegramtest.After(msg))
}

// cardIn waits for the card of appeal number in chat to match all of
// matches, and returns it.
func (h *harness) cardIn(chatID int64, number string, matches ...func(telegramtest.Message) bool) telegramtest.Message {
	h.t.Helper()
	return h.srv.MustWaitMessage(h.t, telegramtest.All(append([]func(telegramtest.Message) bool{
		telegramtest.SentTo(chatID), telegramtest.Contains("№ " + number + " ·"),
	}, matches...)...))
}

// answer waits for the bot's answer to a callback query, and for the
// replies of the press to be sent (they are enqueued before the answer
// goes).
func (h *harness) answer(q telegramtest.CallbackQuery) string {
	h.t.Helper()
	text := h.srv.MustCallbackAnswer(h.t, q.ID).Text
	h.repliesSent()
	return text
}

// repliesSent waits until every reply in the outbox has been sent (or
// given up).
func (h *harness) repliesSent() {
	h.t.Helper()
	h.waitFor("the replies to be sent", func() bool {
		return h.count(`SELECT count(*) FROM outbox WHERE kind = 'reply' AND sent_at IS NULL AND failed_at IS NULL`) == 0
	})
}

// snapshot sums up everything a staff action could change: appeals,
// audit trails, outbox, dialogs, bindings, roles, invitations.
func (h *harness) snapshot() string {
	h.t.Helper()
	var s string
	err := h.db.Pool().QueryRow(context.Background(), `SELECT concat_ws(' ',
		(SELECT coalesce(sum(version), 0) FROM appeals), (SELECT count(*) FROM appeal_events),
		(SELECT count(*) FROM outbox WHERE kind <> 'reply'), (SELECT count(*) FROM dialogs), (SELECT count(*) FROM staff_actions),
		(SELECT count(*) FROM chat_bindings), (SELECT count(*) FROM staff_roles),
		(SELECT count(*) FROM invites WHERE used_by IS NOT NULL), (SELECT coalesce(sum(version), 0) FROM incidents))`).Scan(&s)
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

// appeal returns an appeal as stored now.
func (h *harness) appeal(id int64) *workflow.Appeal {
	h.t.Helper()
	a, err := h.db.FindAppeal(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return a
}

// view is a message as a user sees it: the text, then the buttons row by
// row.
func view(m telegramtest.Message) string {
	var b strings.Builder
	b.WriteString(m.Content())
	for _, row := range m.ButtonTexts() {
		b.WriteString("\n[" + strings.Join(row, "] [") + "]")
	}
	return b.String() + "\n"
}

func TestBindChats(t *testing.T) {
	t.Parallel()
	h, admin := newStaffHarness(t)
	alice := h.srv.NewUser("Алиса")
	h.srv.OpenPrivateChat(alice)

	if cmds := h.srv.Commands(telegramtest.BotCommandScope{Type: "all_group_chats"}, ""); len(cmds) == 0 || cmds[0].Command != "register" {
		t.Errorf("staff commands in groups: %v", cmds)
	}
	housing := h.srv.NewGroup("ЖКХ")
	if got := h.say(admin, "/bind housing", telegramtest.In(housing)).Text; got !=
		"Чат привязан к направлению «ЖКХ». Сюда будут приходить карточки обращений." {
		t.Errorf("/bind housing: %q", got)
	}
	forum := h.srv.NewSupergroup("Администрация", true)
	topic := h.srv.AddTopic(forum, "Соцсфера")
	got := h.say(admin, "/bind social", telegramtest.In(forum), telegramtest.InTopic(topic))
	if got.MessageThreadID != topic || !strings.HasPrefix(got.Text, "Чат привязан к направлению «Безопасность") {
		t.Errorf("/bind social in a topic: %s", got)
	}
	triage := h.srv.NewGroup("Операторы")
	if got := h.say(admin, "/bind triage", telegramtest.In(triage)).Text; got !=
		"Чат назначен для сортировки: сюда будут приходить обращения без направления." {
		t.Errorf("/bind triage: %q", got)
	}
	head := h.srv.NewGroup("Глава")
	if got := h.say(admin, "/bind head", telegramtest.In(head)).Text; got != "Чат назначен для сводок главе администрации." {
		t.Errorf("/bind head: %q", got)
	}
	leader := h.srv.NewGroup("МЦУ")
	if got := h.say(admin, "/bind leader", telegramtest.In(leader)).Text; got != "Чат назначен для сводок руководителю МЦУ." {
		t.Errorf("/bind leader: %q", got)
	}

	// A non-admin is refused and nothing changes.
	ivan := h.srv.NewUser("Иван")
	h.grant(ivan, workflow.RoleCurator, "economy")
	economy := h.srv.NewGroup("Экономика")
	before := h.snapshot()
	if got := h.say(ivan, "/bind economy", telegramtest.In(economy)).Text; got != "Недостаточно прав." {
		t.Errorf("non-admin /bind: %q", got)
	}
	if after := h.snapshot(); after != before {
		t.Errorf("a refused /bind changed something: %s → %s", before, after)
	}
	if got := h.say(admin, "/bind nowhere", telegramtest.In(economy)).Text; !strings.HasPrefix(got, "Неизвестный код «nowhere».") {
		t.Errorf("/bind nowhere: %q", got)
	}

	// The topic's binding is chat + topic: a card goes into the topic.
	h.submitFor(alice, "social", "Не работает светофор у школы")
	if card := h.cardIn(forum.ID, "2026-000001"); card.MessageThreadID != topic {
		t.Errorf("card in topic %d, want %d", card.MessageThreadID, topic)
	}
	// A card queued before its chat was bound is not lost.
	h.submitFor(alice, "economy", "Вопрос о субсидии для малого бизнеса")
	// The queued card may come before or after the confirmation.
	bind := h.srv.SendText(admin, "/bind economy", telegramtest.In(economy))
	confirm := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.After(bind), telegramtest.SentTo(economy.ID), telegramtest.Contains("привязан")))
	if !strings.HasSuffix(confirm.Text, "Карточек из очереди: 1.") {
		t.Errorf("/bind economy with a queued card: %q", confirm.Text)
	}
	h.cardIn(economy.ID, "2026-000002")

	list := h.say(admin, "/bindings", telegramtest.In(housing)).Text
	for _, want := range []string{"• сортировка — «Операторы»", "• глава администрации — «Глава»", "• руководитель МЦУ — «МЦУ»",
		"• ЖКХ — «ЖКХ»", "• Экономика и финансы — «Экономика»", "— «Администрация», тема"} {
		if !strings.Contains(list, want) {
			t.Errorf("/bindings lacks %q:\n%s", want, list)
		}
	}
	if got := h.say(admin, "/unbind", telegramtest.In(head)).Text; got != "Привязка снята: глава администрации." {
		t.Errorf("/unbind: %q", got)
	}
	if n := h.count(`SELECT count(*) FROM chat_bindings`); n != 5 {
		t.Errorf("%d bindings after /unbind, want 5", n)
	}
	if n := h.count(`SELECT count(*) FROM staff_actions WHERE action IN ('bind', 'unbind') AND actor_id = $1 AND role = 'admin'`, adminID); n != 7 {
		t.Errorf("%d bind and unbind actions in the audit trail, want 7", n)
	}

	// A group upgraded to a supergroup keeps its binding.
	super := h.srv.MigrateChat(admin, housing)
	if got := h.srv.MustWaitSent(t, telegramtest.SentTo(super.ID)).Text; got != "Группа стала супергруппой. Привязка сохранена: ЖКХ." {
		t.Errorf("after migration: %q", got)
	}
	h.submitFor(alice, "housing", "Протекает крыша")
	h.cardIn(super.ID, "2026-000003")
}

func TestInvites(t *testing.T) {
	t.Parallel()
	h, admin := newStaffHarness(t)
	ivan, petr := h.srv.NewUser("Иван"), h.srv.NewUser("Пётр")
	link := regexp.MustCompile(`https://t\.me/mcu_test_bot\?start=([A-Za-z0-9_-]+)`)

	invite := h.say(admin, "/invite executor housing")
	m := link.FindStringSubmatch(invite.Text)
	if m == nil || !strings.HasPrefix(invite.Text, "Приглашение: исполнитель (ЖКХ). Ссылка одноразовая, действует до 09.03.2026:") {
		t.Fatalf("/invite: %q", invite.Text)
	}
	if got := h.say(ivan, "/start "+m[1]).Text; got != "Добро пожаловать! Вам выдана роль: исполнитель (ЖКХ)." {
		t.Errorf("/start with the code: %q", got)
	}
	told := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.After(invite), telegramtest.SentTo(admin.ID)))
	if told.Text != "Иван принял(а) приглашение: исполнитель (ЖКХ)." {
		t.Errorf("the admin was told %q", told.Text)
	}
	grants, err := h.db.FindGrants(context.Background(), ivan.ID)
	if err != nil || len(grants) != 1 || grants[0] != (workflow.Grant{Role: workflow.RoleExecutor, Direction: "housing"}) {
		t.Errorf("Иван's grants: %v, %v", grants, err)
	}

	// The same code again grants nothing.
	before := h.snapshot()
	if got := h.say(petr, "/start "+m[1]).Text; got != "Это приглашение уже использовано. Попросите администратора прислать новое." {
		t.Errorf("a used code: %q", got)
	}
	// An expired one neither.
	m2 := link.FindStringSubmatch(h.say(admin, "/invite operator").Text)
	before = h.snapshot()
	h.advance(7*24*time.Hour + time.Minute)
	if got := h.say(petr, "/start "+m2[1]).Text; got != "Срок действия приглашения истёк. Попросите администратора прислать новое." {
		t.Errorf("an expired code: %q", got)
	}
	if got := h.say(petr, "/start nosuchcode").Text; !strings.HasPrefix(got, "Приглашение не найдено.") {
		t.Errorf("an unknown code: %q", got)
	}
	if after := h.snapshot(); after != before {
		t.Errorf("refused codes changed something: %s → %s", before, after)
	}
	if gs := h.grants(petr.ID); len(gs) != 0 {
		t.Errorf("Пётр got roles %v", gs)
	}

	// The first head gets the digest in the private chat.
	glava := h.srv.NewUser("Глава")
	m3 := link.FindStringSubmatch(h.say(admin, "/invite head").Text)
	if got := h.say(glava, "/start "+m3[1]).Text; got !=
		"Добро пожаловать! Вам выдана роль: глава администрации.\nСводка для главы администрации будет приходить в этот чат." {
		t.Errorf("a head's /start: %q", got)
	}
	if n := h.count(`SELECT count(*) FROM chat_bindings WHERE purpose = 'head' AND chat_id = $1`, glava.ID); n != 1 {
		t.Errorf("the head's private chat bound %d times, want once", n)
	}

	// Only an admin invites.
	if got := h.say(ivan, "/invite admin").Text; got != "Недостаточно прав." {
		t.Errorf("/invite by an executor: %q", got)
	}
	if got := h.say(admin, "/invite curator").Text; !strings.HasPrefix(got, "Укажите роль") {
		t.Errorf("/invite curator without a direction: %q", got)
	}

	staff := h.say(admin, "/staff").Text
	for _, want := range []string{"• id 900001 — администратор (MCU_ADMIN_IDS)", "• Иван (id "} {
		if !strings.Contains(staff, want) {
			t.Errorf("/staff lacks %q:\n%s", want, staff)
		}
	}
	menu := h.say(admin, "/revoke")
	q := h.srv.MustPress(t, admin, menu, "Иван — исполнитель (ЖКХ)")
	if a := h.answer(q); a != "Готово" {
		t.Errorf("revoke press: %q", a)
	}
	h.srv.MustWaitMessage(t, func(m telegramtest.Message) bool {
		return m.MessageID == menu.MessageID && m.Chat.ID == admin.ID && m.Text == "Роль снята: Иван — исполнитель (ЖКХ)."
	})
	if gs := h.grants(ivan.ID); len(gs) != 0 {
		t.Errorf("Иван still has %v after /revoke", gs)
	}
	if n := h.count(`SELECT count(*) FROM staff_actions WHERE action = 'revoke' AND actor_id = $1 AND role = 'admin'`, adminID); n != 1 {
		t.Errorf("%d revoke actions in the audit trail, want 1", n)
	}
}
