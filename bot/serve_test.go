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
	// A later message proves the redelivery was handled (per-chat order).
	help := h.srv.SendText(alice, "/start")
	h.srv.MustWaitSent(t, telegramtest.After(help))
	if n := len(h.srv.Sent(alice.ID)); n != 2 {
		t.Errorf("bot sent %d messages for two /start and one redelivery, want 2", n)
	}
}
