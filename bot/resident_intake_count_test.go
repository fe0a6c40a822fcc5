package bot_test

import (
	"strings"
	"testing"

	"mcu/internal/telegramtest"
)

// limited reports whether a Bot API call counts against Telegram's flood
// limits: a message sent (an album's photos one by one) or edited.
func limited(c telegramtest.Call) int {
	switch {
	case c.Method == "sendMediaGroup":
		return strings.Count(c.Param("media"), `"type"`)
	case strings.HasPrefix(c.Method, "send"), strings.HasPrefix(c.Method, "edit"):
		return 1
	}
	return 0
}

// TestPlainAppealCostsSixMessages: a resident who has consented writes a
// plain appeal — a direction, a description, the summary, «Отправить» —
// and its card reaches the direction's chat, in at most six messages
// counted against Telegram's limits (a button pressed edits its message in
// place), so that the bot serves five appeals a second at 30 messages a
// second.
func TestPlainAppealCostsSixMessages(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	housing := h.srv.NewGroup("ЖКХ")
	h.bind(housing, 0, "housing")
	alice := h.newPlayer("Алиса")
	alice.consent()
	// The server records a call once it has answered it, a moment after
	// the message shows: count from the consent's last message on.
	h.srv.MustWaitCall(t, "sendMessage", func(c telegramtest.Call) bool {
		return c.ChatID() == alice.u.ID && strings.Contains(c.Param("text"), "Получать новости")
	})
	from := len(h.srv.Calls())

	alice.send("/new")
	prompt := alice.expect("Выберите направление")
	alice.press(prompt, "ЖКХ")
	alice.expectIn(prompt, "Опишите проблему")
	alice.send("Во дворе дома 5 по ул. Ленина третью неделю не вывозят мусор")
	saved := alice.expect("Записал.")
	alice.press(saved, "Дальше")
	summary := alice.expectIn(saved, "Проверьте, всё ли верно")
	alice.press(summary, "Отправить")
	alice.expectIn(summary, "Сообщение зарегистрировано, № 2026-000001")
	h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(housing.ID), telegramtest.Contains("№ 2026-000001")))
	h.waitFor("the outbox to be sent", func() bool {
		return h.count(`SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND chat_id IS NOT NULL`) == 0
	})

	n := 0
	var calls []string
	for _, c := range h.srv.Calls()[from:] {
		if k := limited(c); k > 0 {
			n += k
			calls = append(calls, c.String())
		}
	}
	if n > 6 {
		t.Errorf("a plain appeal cost %d messages, want at most 6:\n%s", n, strings.Join(calls, "\n"))
	}
	t.Logf("a plain appeal cost %d messages:\n%s", n, strings.Join(calls, "\n"))
}
