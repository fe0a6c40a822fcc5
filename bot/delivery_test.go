package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"mcu/internal/telegramtest"
	"mcu/workflow"
)

// submitFor registers a resident for u (with consent) and submits an
// appeal as u to direction.
func (h *harness) submitFor(u telegramtest.User, direction, text string) *workflow.Appeal {
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
		Kind: workflow.KindMessage, Source: workflow.SourceBot, Direction: direction,
		ResidentID: residentID, Text: text,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return a
}

func TestDispatcherSendsRegistrationAndCard(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	alice := h.srv.NewUser("Алиса")
	h.srv.OpenPrivateChat(alice)
	housing := h.srv.NewGroup("ЖКХ")
	h.bind(housing, 0, "housing")

	a := h.submitFor(alice, "housing", "Во дворе дома 5 по ул. Ленина третью неделю не вывозят мусор")
	msg := h.srv.MustWaitSent(t, func(m telegramtest.Message) bool { return m.Chat.ID == alice.ID })
	want := "Сообщение зарегистрировано, № 2026-000001, ответ до 17.03.2026."
	if msg.Text != want {
		t.Errorf("resident got %q, want %q", msg.Text, want)
	}
	card := h.srv.MustWaitSent(t, func(m telegramtest.Message) bool { return m.Chat.ID == housing.ID })
	for _, s := range []string{"№ 2026-000001", "ЖКХ", "Срок: 17.03.2026", "не вывозят мусор"} {
		if !strings.Contains(card.Text, s) {
			t.Errorf("card lacks %q:\n%s", s, card.Text)
		}
	}
	if _, ok := card.Button("Взять в работу"); !ok {
		t.Errorf("card has no «Взять в работу» button: %v", card.ButtonTexts())
	}
	_ = a
}

func TestDispatcherHonoursRetryAfterAndRetries5xx(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	alice := h.srv.NewUser("Алиса")
	h.srv.OpenPrivateChat(alice)
	h.srv.FloodNext("sendMessage", 1, 1)
	h.srv.FailNext("sendMessage", 1, 502)
	started := time.Now()
	h.submitFor(alice, "housing", "Не горит фонарь у дома 7 на ул. Гагарина")
	msg := h.srv.MustWaitSent(t, func(m telegramtest.Message) bool { return m.Chat.ID == alice.ID })
	if !strings.Contains(msg.Text, "№ 2026-000001") {
		t.Errorf("resident got %q", msg.Text)
	}
	h.srv.MustWaitCall(t, "sendMessage", func(c telegramtest.Call) bool { return c.Status == 200 })
	if d := time.Since(started); d < time.Second {
		t.Errorf("sent after %s, before the 1 s retry_after", d)
	}
	if n := len(h.srv.CallsOf("sendMessage")); n != 3 {
		t.Errorf("%d sendMessage calls (429, 502, success), want 3", n)
	}
}

func TestDispatcherStopsAtBlockedResident(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	alice := h.srv.NewUser("Алиса")
	h.srv.OpenPrivateChat(alice)
	h.srv.Block(alice.ID)
	h.bind(h.srv.NewGroup("ЖКХ"), 0, "housing")
	h.submitFor(alice, "housing", "Яма на дороге у школы номер 2")
	h.srv.MustWaitCall(t, "sendMessage", nil)
	ctx := context.Background()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var blocked bool
		err := h.db.Pool().QueryRow(ctx, `SELECT blocked_at IS NOT NULL FROM residents WHERE telegram_user_id = $1`, alice.ID).Scan(&blocked)
		if err != nil {
			t.Fatal(err)
		}
		if blocked {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("resident who blocked the bot is not marked")
		}
		time.Sleep(20 * time.Millisecond)
	}
	pending := h.count(`SELECT count(*) FROM outbox WHERE chat_id = $1 AND sent_at IS NULL AND failed_at IS NULL`, alice.ID)
	if pending != 0 {
		t.Errorf("%d messages still pending for a blocked chat", pending)
	}
	// Nothing more is queued for them.
	h.submitFor(alice, "housing", "Вторая яма на той же дороге")
	if queued := h.count(`SELECT count(*) FROM outbox WHERE kind = 'resident' AND sent_at IS NULL AND failed_at IS NULL`); queued != 0 {
		t.Errorf("%d messages queued for a resident who blocked the bot", queued)
	}
}

func TestPollerBacksOffAgainstFailingServer(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	h.srv.FailNext("getUpdates", 1000, 502)
	var failed []telegramtest.Call
	h.srv.MustWaitCall(t, "getUpdates", func(c telegramtest.Call) bool {
		if c.Status == 502 {
			failed = append(failed, c)
		}
		return len(failed) == 3
	})
	// Each failed poll starts at least the poller's 250 ms floor after the
	// one before (telebot's own poller retries at once, hundreds of times
	// a second); a loaded machine only makes the gaps longer.
	for i := 1; i < len(failed); i++ {
		if gap := failed[i].Time.Sub(failed[i-1].Time); gap < 250*time.Millisecond {
			t.Errorf("getUpdates failed with 502 and was called again %v later, want at least 250 ms", gap)
		}
	}
	// Telegram recovers: the bot has not given up and answers again.
	h.srv.ClearFaults()
	alice := h.srv.NewUser("Алиса")
	start := h.srv.SendText(alice, "/start")
	h.srv.MustWaitSent(t, telegramtest.After(start))
}

func TestTakeButtonEditsCardAndTellsResident(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	alice, ivan := h.srv.NewUser("Алиса"), h.srv.NewUser("Иван")
	h.srv.OpenPrivateChat(alice)
	housing := h.srv.NewGroup("ЖКХ")
	h.bind(housing, 0, "housing")
	h.grant(ivan, workflow.RoleExecutor, "housing")

	h.submitFor(alice, "housing", "Протекает крыша над квартирой 12, дом 3")
	card := h.srv.MustWaitSent(t, telegramtest.SentTo(housing.ID))
	q := h.srv.MustPress(t, ivan, card, "Взять в работу")
	if a := h.srv.MustCallbackAnswer(t, q.ID); a.Text != "Готово" {
		t.Errorf("callback answer %q", a.Text)
	}
	h.srv.MustWaitSent(t, func(m telegramtest.Message) bool {
		return m.Chat.ID == alice.ID && strings.Contains(m.Text, "взято в работу")
	})
	edited := h.srv.MustWaitMessage(t, func(m telegramtest.Message) bool {
		return m.MessageID == card.MessageID && m.Chat.ID == housing.ID && strings.Contains(m.Text, "Статус: в работе")
	})
	if _, ok := edited.Button("Взять в работу"); ok {
		t.Errorf("card still offers «Взять в работу» after it was taken: %v", edited.ButtonTexts())
	}
	// A stranger pressing the old button changes nothing.
	stranger := h.srv.NewUser("Чужой")
	q = h.srv.PressData(stranger, edited, "\ftake|1|2")
	if a := h.srv.MustCallbackAnswer(t, q.ID); a.Text != "Недостаточно прав." {
		t.Errorf("stranger's press answered %q", a.Text)
	}
}
