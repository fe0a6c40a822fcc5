package bot_test

import (
	"strings"
	"testing"

	"mcu/internal/telegramtest"
)

func TestStartIsAnsweredInRussian(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	alice := h.srv.NewUser("Алиса")
	start := h.srv.SendText(alice, "/start")
	reply := h.srv.MustWaitSent(t, telegramtest.After(start))
	if !strings.Contains(reply.Text, "Здравствуйте") {
		t.Errorf("reply to /start: %q", reply.Text)
	}
}

func TestRedeliveredUpdateIsProcessedOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	alice := h.srv.NewUser("Алиса")
	start := h.srv.SendText(alice, "/start")
	h.srv.MustWaitSent(t, telegramtest.After(start))
	updates := h.srv.Updates()
	last := updates[len(updates)-1]
	if err := h.srv.Redeliver(last.ID); err != nil {
		t.Fatal(err)
	}
	h.srv.MustWaitDelivered(t, last.ID)
	// A later update of the same chat is handled after the redelivered
	// one (one chat's updates are handled in order): once its own answer,
	// which no /start gives, is there, the redelivery has been dealt with.
	help := h.srv.SendText(alice, "/help")
	h.srv.MustWaitSent(t, telegramtest.All(telegramtest.After(help), telegramtest.Contains("Этот бот принимает сообщения")))

	// Everything the bot ever sent to Алиса, as sent: one consent for the
	// /start (delivered twice) and the help.
	var got []string
	for _, m := range h.srv.AllSent() {
		if m.Chat.ID == alice.ID {
			got = append(got, firstLine(m.Content()))
		}
	}
	if len(got) != 2 || !strings.Contains(got[0], "Здравствуйте") || !strings.Contains(got[1], "Этот бот принимает сообщения") {
		t.Errorf("bot sent Алисе %d messages for /start (delivered twice) and /help, want the consent once and the help:\n%s",
			len(got), strings.Join(got, "\n"))
	}
}

// firstLine returns the first line of s, for short failure messages.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
