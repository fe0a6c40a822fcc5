package bot_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"mcu/internal/dbtest"
	"mcu/internal/telegramtest"
	"mcu/workflow"
)

// newsPlayer consents and answers the news question.
func (h *harness) newsPlayer(name string, news bool) *player {
	p := h.newPlayer(name)
	h.srv.OpenPrivateChat(p.u)
	p.consent()
	m := p.newsQuestion
	if news {
		p.press(m, "Получать новости района")
		p.expectIn(m, "Новости района включены")
	} else {
		p.press(m, "Не сейчас")
		p.expectIn(m, "больше не будут приходить")
	}
	return p
}

// draftAnnouncement plays the press secretary's dialog up to «На
// согласование» for everyone who chose news, sent at once.
func draftAnnouncement(t *testing.T, press *player, text string) {
	t.Helper()
	press.send("/announce")
	press.expect("Отправьте текст объявления")
	press.send(text)
	m := press.expect("Прикрепите фото")
	press.press(m, "Без фото")
	press.expectIn(m, "Кому отправить?")
	press.press(m, "Всем, кто согласился на новости")
	press.expectIn(m, "Когда отправить?")
	press.press(m, "Сразу после согласования")
	press.expectIn(m, "Кому: все, кто согласился на новости")
	press.press(m, "На согласование")
	press.expectIn(m, "отправлено на согласование")
}

func TestAnnouncementWholePath(t *testing.T) {
	h, admin := newStaffHarness(t)
	press := h.newPlayer("Пресса")
	h.srv.OpenPrivateChat(press.u)
	h.grant(press.u, workflow.RolePress, "")
	leader := h.srv.NewUser("Лидия")
	leaderChat := h.srv.NewGroup("Руководитель МЦУ")
	h.bind(leaderChat, 0, "leader")
	h.grant(leader, workflow.RoleLeader, "")
	channel := h.srv.AddChat(telegramtest.Chat{ID: -1001777, Type: "channel", Title: "Новости МЦУ"})
	if m := h.say(admin, fmt.Sprintf("/bind channel %d", channel.ID)); !strings.Contains(m.Content(), "Канал назначен") {
		t.Fatalf("/bind channel: %q", m.Content())
	}

	alice := h.newsPlayer("Алиса", true)
	bob := h.newsPlayer("Борис", false)
	carol := h.newsPlayer("Вера", true)

	// A resident may not announce.
	alice.send("/announce")
	alice.expect("Недостаточно прав.")

	draftAnnouncement(t, press, "Завтра с 10 до 14 отключат воду на ул. Ленина.")
	approval := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(leaderChat.ID), telegramtest.Contains("На согласование от Пресса")))
	if got := view(approval); !strings.Contains(got, "[Согласовать] [Вернуть с комментарием]") {
		t.Fatalf("approval message:\n%s", got)
	}
	// The press secretary may not approve their own announcement.
	if got := h.answer(h.srv.MustPress(t, press.u, approval, "Согласовать")); got != "Недостаточно прав." {
		t.Fatalf("press approving: %q", got)
	}
	if got := h.answer(h.srv.MustPress(t, leader, approval, "Согласовать")); !strings.Contains(got, "согласовано") {
		t.Fatalf("leader approving: %q", got)
	}
	if got := h.answer(h.srv.PressData(leader, approval, "\fa_ok|1")); got != "Объявление уже рассмотрено." {
		t.Fatalf("second approval: %q", got)
	}

	for _, p := range []*player{alice, carol} {
		m := p.expect("отключат воду")
		if got := view(m); !strings.Contains(got, "[Не присылать новости]") {
			t.Fatalf("announcement to a resident:\n%s", got)
		}
	}
	post := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(channel.ID), telegramtest.Contains("отключат воду")))
	if len(post.ButtonTexts()) != 0 {
		t.Fatalf("the channel's post has buttons: %v", post.ButtonTexts())
	}
	press.expect("Объявление № 1")
	h.srv.MustWaitMessage(t, telegramtest.All(telegramtest.SentTo(press.u.ID),
		telegramtest.Contains("Объявление № 1: отправлено 2 из 2, не доставлено 0.\nРассылка завершена.")))
	bob.sync()
	for _, m := range h.srv.Sent(bob.u.ID) {
		if strings.Contains(m.Content(), "отключат воду") {
			t.Fatal("a resident who declined the news got the announcement")
		}
	}
	if n := h.count(`SELECT count(*) FROM announcement_events WHERE announcement_id = 1 AND event IN ('submit', 'approve', 'queued', 'done')`); n != 4 {
		t.Fatalf("audit trail has %d of submit, approve, queued, done", n)
	}
}

func TestAnnouncementReturn(t *testing.T) {
	h, admin := newStaffHarness(t)
	press := h.newPlayer("Пресса")
	h.srv.OpenPrivateChat(press.u)
	h.grant(press.u, workflow.RolePress, "")
	h.newsPlayer("Алиса", true)

	draftAnnouncement(t, press, "Черновик объявления")
	// No leader bound: the admin gets it in private.
	approval := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(admin.ID), telegramtest.Contains("На согласование от Пресса")))
	if got := h.answer(h.srv.MustPress(t, press.u, approval, "Вернуть с комментарием")); got != "Недостаточно прав." {
		t.Fatalf("press returning: %q", got)
	}
	h.answer(h.srv.MustPress(t, admin, approval, "Вернуть с комментарием"))
	prompt := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(admin.ID), telegramtest.Contains("что исправить")))
	h.srv.SendText(admin, "Уточните адрес", telegramtest.ReplyTo(prompt))
	press.expect("возвращено на доработку.\nКомментарий: Уточните адрес")
	if got := h.answer(h.srv.MustPress(t, admin, approval, "Согласовать")); got != "Объявление уже рассмотрено." {
		t.Fatalf("approving a returned one: %q", got)
	}
	if n := h.count(`SELECT count(*) FROM announcement_events WHERE event = 'return' AND details = 'Уточните адрес'`); n != 1 {
		t.Fatalf("return recorded %d times", n)
	}
	if n := h.count(`SELECT count(*) FROM outbox WHERE announcement_id IS NOT NULL`); n != 0 {
		t.Fatalf("a returned announcement was queued for %d residents", n)
	}
}

func TestNewsCommandAndStopButton(t *testing.T) {
	h, admin := newStaffHarness(t)
	alice := h.newsPlayer("Алиса", true)
	alice.send("/news")
	alice.expect("Новости района больше не будут приходить")
	if n := h.count(`SELECT count(*) FROM residents WHERE news`); n != 0 {
		t.Fatal("/news did not turn the news off")
	}
	alice.send("/news")
	alice.expect("Новости района включены")
	if n := h.count(`SELECT count(*) FROM residents WHERE news AND news_version <> '' AND news_at IS NOT NULL`); n != 1 {
		t.Fatal("/news did not turn the news on with its version and time")
	}

	draftAnnouncementAsAdmin(t, h, admin)
	m := alice.expect("Собрание жителей")
	if got := alice.press(m, "Не присылать новости").Text; got != "Новости больше не будут приходить." {
		t.Fatalf("stop button: %q", got)
	}
	if n := h.count(`SELECT count(*) FROM residents WHERE news`); n != 0 {
		t.Fatal("the stop button did not turn the news off")
	}
}

// draftAnnouncementAsAdmin has the admin draft and approve an
// announcement.
func draftAnnouncementAsAdmin(t *testing.T, h *harness, admin telegramtest.User) {
	t.Helper()
	p := &player{h: h, t: t, u: admin}
	draftAnnouncement(t, p, "Собрание жителей в субботу")
	approval := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(admin.ID), telegramtest.Contains("На согласование от")))
	h.answer(h.srv.MustPress(t, admin, approval, "Согласовать"))
}

// TestAnnouncementAtItsTime: an announcement with a send time typed in
// the dialog waits for it after approval, then goes.
func TestAnnouncementAtItsTime(t *testing.T) {
	h, admin := newStaffHarness(t)
	alice := h.newsPlayer("Алиса", true)
	p := &player{h: h, t: t, u: admin}
	p.send("/announce")
	p.expect("Отправьте текст объявления")
	p.send("Субботник в парке")
	m := p.expect("Прикрепите фото")
	p.press(m, "Без фото")
	p.expectIn(m, "Кому отправить?")
	p.press(m, "Всем, кто согласился на новости")
	p.expectIn(m, "Когда отправить?")
	p.press(m, "Указать время")
	p.expectIn(m, "Напишите дату и время")
	p.send("вчера")
	p.expect("Не понял дату и время")
	p.send(h.clock().Add(2 * time.Hour).Format("02.01.2006 15:04"))
	sum := p.expect("Когда: ")
	p.press(sum, "На согласование")
	approval := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(admin.ID), telegramtest.Contains("На согласование от")))
	h.answer(h.srv.MustPress(t, admin, approval, "Согласовать"))
	p.expect("будет отправлено")
	alice.sync()
	if n := h.count(`SELECT count(*) FROM outbox WHERE announcement_id IS NOT NULL`); n != 0 {
		t.Fatalf("queued %d before its time", n)
	}
	h.advance(3 * time.Hour)
	alice.expect("Субботник в парке")
}

// TestAnnouncementWithPhoto: a photo with a short text goes as the
// photo with its caption and the button; with a text longer than a
// caption, the photo first, then the text with the button. /cancel ends
// the dialog.
func TestAnnouncementWithPhoto(t *testing.T) {
	h, admin := newStaffHarness(t)
	alice := h.newsPlayer("Алиса", true)
	p := &player{h: h, t: t, u: admin}

	p.send("/announce")
	p.expect("Отправьте текст объявления")
	p.send("/cancel")
	p.expect("Ввод отменён.")
	if kind, _, _ := h.dialog(admin.ID); kind != "" {
		t.Fatalf("dialog %q after /cancel", kind)
	}

	approve := func(photoCaption, text string) {
		t.Helper()
		p.send("/announce")
		p.expect("Отправьте текст объявления")
		var m telegramtest.Message
		if photoCaption != "" {
			p.sent(h.srv.SendPhoto(admin, photoCaption))
			m = p.expect("Кому отправить?")
		} else {
			p.send(text)
			m = p.expect("Прикрепите фото")
			p.sent(h.srv.SendPhoto(admin, ""))
			m = p.expect("Кому отправить?")
		}
		p.press(m, "Всем, кто согласился на новости")
		p.expectIn(m, "Когда отправить?")
		p.press(m, "Сразу после согласования")
		p.expectIn(m, "С фото")
		p.press(m, "На согласование")
		approval := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(admin.ID), telegramtest.Contains("На согласование от"),
			func(x telegramtest.Message) bool { return x.MessageID > p.seen }))
		h.answer(h.srv.MustPress(t, admin, approval, "Согласовать"))
	}

	approve("Ярмарка на площади", "")
	m := alice.expect("Ярмарка на площади")
	if len(m.Photo) == 0 || m.Caption != "Ярмарка на площади" || !strings.Contains(view(m), "[Не присылать новости]") {
		t.Fatalf("short text with a photo:\n%s (photo %v)", view(m), len(m.Photo) > 0)
	}

	long := strings.Repeat("Длинный текст объявления. ", 60) // over 1024 characters
	approve("", long)
	text := alice.expect("Длинный текст объявления.")
	photo := alice.botMessagesAfter(m.MessageID, text.MessageID)
	if len(photo) != 2 || len(photo[0].Photo) == 0 || photo[0].Caption != "" || !strings.Contains(view(text), "[Не присылать новости]") {
		t.Fatalf("a long text with a photo: %d messages, want the photo then the text with the button", len(photo))
	}
}

// TestAnnouncementToDirection: the audience «писавшим по направлению»
// is the residents who chose news and wrote on that direction within the
// days chosen.
func TestAnnouncementToDirection(t *testing.T) {
	h, admin := newStaffHarness(t)
	recent := h.newsPlayer("Недавно ЖКХ", true)
	old := h.newsPlayer("Давно ЖКХ", true)
	other := h.newsPlayer("Недавно соцзащита", true)
	declined := h.newsPlayer("ЖКХ без новостей", false)
	appeal := func(p *player, direction string, ago time.Duration) {
		at := h.clock().Add(-ago)
		dbtest.Exec(t, h.db, `
			INSERT INTO appeals (kind, source, state, direction, resident_id, text, created_at, updated_at)
			SELECT 'message', 'bot', 'in_progress', $2, id, 'текст', $3, $3 FROM residents WHERE telegram_user_id = $1`,
			p.u.ID, direction, at)
	}
	appeal(recent, "housing", 3*24*time.Hour)
	appeal(old, "housing", 40*24*time.Hour)
	appeal(other, "social", 3*24*time.Hour)
	appeal(declined, "housing", 3*24*time.Hour)

	p := &player{h: h, t: t, u: admin}
	p.send("/announce")
	p.expect("Отправьте текст объявления")
	p.send("Плановый ремонт теплосетей")
	m := p.expect("Прикрепите фото")
	p.press(m, "Без фото")
	p.expectIn(m, "Кому отправить?")
	p.press(m, "Писавшим по направлению")
	p.expectIn(m, "Выберите направление")
	p.press(m, "ЖКХ")
	p.expectIn(m, "За сколько последних дней?")
	p.press(m, "30")
	p.expectIn(m, "Когда отправить?")
	p.press(m, "Сразу после согласования")
	p.expectIn(m, "писавшие по направлению «ЖКХ» за 30 дн.")
	p.press(m, "На согласование")
	approval := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(admin.ID), telegramtest.Contains("На согласование от")))
	h.answer(h.srv.MustPress(t, admin, approval, "Согласовать"))
	h.srv.MustWaitMessage(t, telegramtest.All(telegramtest.SentTo(admin.ID), telegramtest.Contains("отправлено 1 из 1, не доставлено 0.\nРассылка завершена.")))
	recent.expect("Плановый ремонт теплосетей")
	for _, q := range []*player{old, other, declined} {
		for _, x := range h.srv.Sent(q.u.ID) {
			if strings.Contains(x.Content(), "теплосетей") {
				t.Fatalf("%s got an announcement for another audience", q.u.FirstName)
			}
		}
	}
}

// TestAnnouncementButtonsTwice: a dialog's button pressed again after
// the dialog moved on changes nothing, one pressed with no dialog says it
// no longer works, and «Не присылать новости» pressed twice leaves the
// news off.
func TestAnnouncementButtonsTwice(t *testing.T) {
	h, admin := newStaffHarness(t)
	alice := h.newsPlayer("Алиса", true)
	p := &player{h: h, t: t, u: admin}
	p.send("/announce")
	p.expect("Отправьте текст объявления")
	p.send("Текст")
	m := p.expect("Прикрепите фото")
	p.press(m, "Без фото")
	p.expectIn(m, "Кому отправить?")
	p.press(m, "Всем, кто согласился на новости")
	p.expectIn(m, "Когда отправить?")
	before := h.snapshot()
	_, state, _ := h.dialog(admin.ID)
	p.pressData(m, "\fa_aud|direction") // the audience's button again
	p.pressData(m, "\fa_nophoto")
	h.repliesSent()
	if _, now, _ := h.dialog(admin.ID); now != state || h.snapshot() != before {
		t.Fatalf("an old button changed the dialog: %q → %q", state, now)
	}
	p.press(m, "Сразу после согласования")
	p.expectIn(m, "Кому:")
	p.press(m, "На согласование")
	p.expectIn(m, "отправлено на согласование")
	if got := p.pressData(m, "\fa_sub").Text; got != "Эта кнопка уже не действует." {
		t.Fatalf("«На согласование» twice: %q", got)
	}
	if n := h.count(`SELECT count(*) FROM announcements`); n != 1 {
		t.Fatalf("%d announcements after pressing twice", n)
	}
	approval := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(admin.ID), telegramtest.Contains("На согласование от")))
	if got := h.answer(h.srv.MustPress(t, alice.u, approval, "Согласовать")); got != "Недостаточно прав." {
		t.Fatalf("a resident approving: %q", got)
	}
	h.answer(h.srv.MustPress(t, admin, approval, "Согласовать"))
	news := alice.expect("Текст")
	alice.press(news, "Не присылать новости")
	if got := alice.pressData(news, "\fr_nstop").Text; got != "Новости больше не будут приходить." {
		t.Fatalf("stop pressed twice: %q", got)
	}
	if n := h.count(`SELECT count(*) FROM residents WHERE news`); n != 0 {
		t.Fatal("news on after the stop button")
	}
}

// TestInvitePress: /invite press makes a press secretary, who may then
// start an announcement.
func TestInvitePress(t *testing.T) {
	h, admin := newStaffHarness(t)
	link := regexp.MustCompile(`https://t\.me/mcu_test_bot\?start=([A-Za-z0-9_-]+)`)
	invite := h.say(admin, "/invite press")
	m := link.FindStringSubmatch(invite.Text)
	if m == nil || !strings.Contains(invite.Text, "администратор – пресс-секретарь МЦУ") {
		t.Fatalf("/invite press: %q", invite.Text)
	}
	olga := h.srv.NewUser("Ольга")
	h.srv.OpenPrivateChat(olga)
	if got := h.say(olga, "/start "+m[1]).Text; got != "Добро пожаловать! Вам выдана роль: администратор – пресс-секретарь МЦУ." {
		t.Fatalf("/start with the code: %q", got)
	}
	if got := h.say(olga, "/announce").Text; !strings.Contains(got, "Отправьте текст объявления") {
		t.Fatalf("/announce by the new press secretary: %q", got)
	}
}

// TestAnnouncementToIncident: the audience «Жителям инцидента» offers the
// open incidents of the last 7 days, and goes to the residents of the
// chosen one's appeals, whether or not they chose news, except those who
// blocked the bot; nobody else gets it.
func TestAnnouncementToIncident(t *testing.T) {
	h, admin := newStaffHarness(t)
	noNews := h.newsPlayer("Без новостей", false)
	withNews := h.newsPlayer("С новостями", true)
	blocked := h.newsPlayer("Заблокировал", true)
	outside := h.newsPlayer("Не в инциденте", true)
	other := h.newsPlayer("В старом инциденте", true)

	p := &player{h: h, t: t, u: admin}
	p.send("/announce")
	p.expect("Отправьте текст объявления")
	p.send("Горячую воду дадут к 18:00")
	m := p.expect("Прикрепите фото")
	p.press(m, "Без фото")
	p.expectIn(m, "Кому отправить?")
	// No incident yet: the audience is asked again.
	p.press(m, "Жителям инцидента")
	p.expectIn(m, "Открытых инцидентов за последние 7 дн. нет.")

	now := h.clock()
	dbtest.Exec(t, h.db, `
		INSERT INTO incidents (id, direction, title, state, created_by, created_at) VALUES
		(1, 'housing', 'Нет горячей воды, ул. Ленина', 'open', $1, $2),
		(2, 'housing', 'Старый инцидент', 'open', $1, $3),
		(3, 'housing', 'Отвеченный', 'answered', $1, $2)`, admin.ID, now.Add(-24*time.Hour), now.Add(-10*24*time.Hour))
	appeal := func(q *player, incident any) {
		dbtest.Exec(t, h.db, `
			INSERT INTO appeals (kind, source, state, direction, resident_id, text, created_at, updated_at, incident_id)
			SELECT 'message', 'bot', 'in_progress', 'housing', id, 'текст', $2, $2, $3 FROM residents WHERE telegram_user_id = $1`,
			q.u.ID, now.Add(-24*time.Hour), incident)
	}
	appeal(noNews, 1)
	appeal(withNews, 1)
	appeal(blocked, 1)
	appeal(outside, nil)
	appeal(other, 2)
	dbtest.Exec(t, h.db, `UPDATE residents SET blocked_at = $2 WHERE telegram_user_id = $1`, blocked.u.ID, now)

	p.press(m, "Жителям инцидента")
	p.expectIn(m, "Выберите инцидент")
	if got := h.srv.MustMessage(t, m.Chat.ID, m.MessageID).ButtonTexts(); fmt.Sprint(got) != "[[Нет горячей воды, ул. Ленина (3)]]" {
		t.Fatalf("incidents offered: %q, want only the open one of the last 7 days", got)
	}
	p.press(m, "Нет горячей воды, ул. Ленина (3)")
	p.expectIn(m, "Когда отправить?")
	p.press(m, "Сразу после согласования")
	p.expectIn(m, "жители, писавшие по инциденту «Нет горячей воды, ул. Ленина»")
	p.press(m, "На согласование")
	approval := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(admin.ID), telegramtest.Contains("На согласование от")))
	if !strings.Contains(approval.Content(), "по инциденту «Нет горячей воды, ул. Ленина»") {
		t.Fatalf("the approver is not told the audience:\n%s", approval.Content())
	}
	h.answer(h.srv.MustPress(t, admin, approval, "Согласовать"))
	h.srv.MustWaitMessage(t, telegramtest.All(telegramtest.SentTo(admin.ID), telegramtest.Contains("отправлено 1 из 1, не доставлено 0.\nРассылка завершена.")))
	withNews.expect("Горячую воду дадут")
	// Nobody who declined news gets an announcement, of an incident
	// neither (its term and answer reach them anyway).
	for _, q := range []*player{noNews, blocked, outside, other} {
		for _, x := range h.srv.Sent(q.u.ID) {
			if strings.Contains(x.Content(), "Горячую воду") {
				t.Fatalf("%s got an announcement for another audience", q.u.FirstName)
			}
		}
	}
	if n := h.count(`SELECT count(*) FROM announcements WHERE audience = 'incident' AND incident_id = 1`); n != 1 {
		t.Fatalf("%d announcements to incident 1", n)
	}
}
