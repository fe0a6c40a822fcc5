package bot_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/bot"
	"mcu/internal/telegramtest"
)

// tooOld is Telegram's answer to answerCallbackQuery for a press handled
// after about 15 s, or answered already.
var tooOld = telegramtest.Fault{
	Method: "answerCallbackQuery", Code: 400,
	Description: "Bad Request: query is too old and response timeout expired or query ID is invalid",
}

// answersTo counts the bot's answerCallbackQuery calls for a query.
func (h *harness) answersTo(q telegramtest.CallbackQuery) int {
	n := 0
	for _, c := range h.srv.CallsOf("answerCallbackQuery") {
		if c.Param("callback_query_id") == q.ID {
			n++
		}
	}
	return n
}

// handledOnce waits until the update of q is recorded as processed with
// the inbox empty, and checks that its callback was answered once: a
// handler that failed would leave the update in the inbox and answer it
// again at every retry.
func (h *harness) handledOnce(q telegramtest.CallbackQuery) {
	h.t.Helper()
	h.waitFor("the press to be processed and the inbox empty", func() bool {
		return h.count(`SELECT count(*) FROM processed_updates WHERE update_id = $1`, q.UpdateID) == 1 &&
			h.count(`SELECT count(*) FROM inbox`) == 0
	})
	time.Sleep(300 * time.Millisecond) // a retry would be due by now (RetryBase 100 ms)
	if n := h.answersTo(q); n != 1 {
		h.t.Errorf("the callback was answered %d times, want 1", n)
	}
	if n := h.count(`SELECT count(*) FROM inbox`); n != 0 {
		h.t.Errorf("%d updates left in the inbox", n)
	}
}

// A callback that Telegram no longer lets the bot answer does not fail
// the handler: the press takes effect once and is not tried again — a
// resident's consent, and a button pressed where it has no handler
// (answered «invalid» by the router).
func TestLateCallbackAnswerIsNotAFailure(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	alice := h.newPlayer("Алиса")
	alice.send("/start")
	consent := alice.expect("152-ФЗ")
	h.srv.AddFault(tooOld)
	q := h.srv.MustPress(t, alice.u, consent, "Согласен")
	alice.expect("Спасибо! Теперь можно отправить сообщение")
	h.handledOnce(q)
	if n := h.count(`SELECT count(*) FROM residents WHERE consent_at IS NOT NULL`); n != 1 {
		t.Errorf("%d consents stored, want 1", n)
	}

	group := h.srv.NewGroup("Соседи")
	h.srv.AddFault(tooOld)
	q = h.srv.PressData(alice.u, telegramtest.Message{MessageID: 1, Chat: group}, "\fr_my|0")
	h.handledOnce(q)
	if sent := h.srv.Sent(group.ID); len(sent) != 0 {
		t.Errorf("the bot answered in the group: %v", sent)
	}
}

func TestCallbackExpired(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{tele.ErrQueryTooOld, true},
		{fmt.Errorf("respond: %w", tele.ErrQueryTooOld), true},
		{tele.NewError(400, "Bad Request: query ID is invalid"), true},
		{tele.NewError(400, "Bad Request: QUERY_ID_INVALID"), true},
		{tele.NewError(400, "Bad Request: message is not modified"), false},
		{tele.NewError(500, "Internal Server Error: query is too old"), false},
		{errors.New("connection refused"), false},
	} {
		if got := bot.CallbackExpired(c.err); got != c.want {
			t.Errorf("callbackExpired(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
