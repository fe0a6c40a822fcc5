package bot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"mcu/delivery"
	"mcu/internal/dbtest"
	"mcu/internal/telegramtest"
)

// TestAnnouncementToThousands: an announcement to 3,000 residents who
// chose news, 12 of whom blocked the bot, goes through the paced outbox
// (Telegram's limits in virtual time): the 12 are reported undelivered and
// marked blocked, the 200 who declined news get nothing, nobody gets it
// twice, and the press secretary's message ends with the report.
func TestAnnouncementToThousands(t *testing.T) {
	const subscribed, declined, blocked = 3000, 200, 12
	h, admin := newStaffHarness(t)
	const firstID = 700000000
	for i := range subscribed + declined {
		u := h.srv.AddUser(telegramtest.User{ID: firstID + int64(i), FirstName: "Житель"})
		h.srv.OpenPrivateChat(u)
	}
	dbtest.Exec(t, h.db, `
		INSERT INTO residents (telegram_user_id, chat_id, name, consent_at, consent_version, news, news_version, news_at)
		SELECT $1 + i, $1 + i, 'Житель', now(), 'v', i < $2, 'news', now() FROM generate_series(0, $3 - 1) i`,
		firstID, subscribed, subscribed+declined)
	for i := range blocked {
		h.srv.Block(firstID + int64(i*97))
	}

	start := time.Now()
	draftAnnouncementAsAdmin(t, h, admin)
	deadline := time.Now().Add(60 * time.Second)
	for h.count(`SELECT count(*) FROM announcements WHERE status = 'done'`) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("not done in 60 s: %d sent", h.count(`SELECT count(*) FROM outbox WHERE announcement_id = 1 AND sent_at IS NOT NULL`))
		}
		time.Sleep(50 * time.Millisecond)
		h.advance(11 * time.Second) // the progress may be edited again
	}
	t.Logf("3,000 residents: done in %v over %d connections", time.Since(start).Round(time.Millisecond), h.srv.Connections())
	// Sent by many workers at once, yet over connections kept alive: not
	// a new one (a TLS handshake, with Telegram) for most messages.
	if n := h.srv.Connections(); n > 2*delivery.DefaultWorkers {
		t.Errorf("%d connections opened for 3,000 messages, want at most %d", n, 2*delivery.DefaultWorkers)
	}

	report := "Объявление № 1: отправлено 2 988 из 3 000, не доставлено 12.\nРассылка завершена."
	h.srv.MustWaitMessage(t, telegramtest.All(telegramtest.SentTo(admin.ID), telegramtest.Contains(report)))
	// The progress was edited in place while sending, not only at the end.
	var progress []string
	for _, c := range h.srv.CallsOf("editMessageText") {
		if c.Params["chat_id"] == fmt.Sprint(admin.ID) && strings.Contains(c.Params["text"], "отправлено") {
			progress = append(progress, c.Params["text"])
		}
	}
	if len(progress) < 2 || strings.Contains(progress[0], "завершена") {
		t.Errorf("progress edits: %q", progress)
	}
	t.Logf("progress edits: %d", len(progress))
	if n := h.count(`SELECT count(*) FROM residents WHERE blocked_at IS NOT NULL`); n != blocked {
		t.Errorf("%d residents marked blocked, want %d", n, blocked)
	}
	for i := range subscribed + declined {
		var got int
		for _, m := range h.srv.Sent(firstID + int64(i)) {
			if strings.Contains(m.Content(), "Собрание жителей") {
				got++
			}
		}
		switch {
		case i >= subscribed && got != 0:
			t.Fatalf("resident %d declined news and got the announcement", i)
		case got > 1:
			t.Fatalf("resident %d got the announcement %d times", i, got)
		case i < subscribed && i%97 != 0 && got != 1:
			t.Fatalf("resident %d got the announcement %d times, want once", i, got)
		}
	}
}
