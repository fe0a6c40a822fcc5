package bot_test

import (
	"testing"
	"time"

	"mcu/internal/telegramtest"
)

// Telegram answers the bot slowly in one group (2 s a message) while a
// staff member there asks for /bindings several times: a resident in a
// private chat meanwhile goes through /start and consent, and each of
// the bot's replies reaches them promptly. One chat's slow sends do not
// hold another chat's updates.
func TestSlowGroupDoesNotHoldAResident(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	team := h.housingTeam()
	const slow, times = 2 * time.Second, 4
	h.srv.AddFault(telegramtest.Fault{Method: "sendMessage", ChatID: team.housing.ID, Delay: slow, Times: times})
	for range times {
		h.srv.SendText(team.ivan, "/bindings", telegramtest.In(team.housing))
	}
	// The group's first reply is being sent.
	time.Sleep(300 * time.Millisecond)

	const prompt = time.Second
	vera := h.newPlayer("Вера")
	began := time.Now()
	vera.send("/start")
	consent := vera.expect("152-ФЗ")
	if took := time.Since(began); took > prompt {
		t.Errorf("the consent came %v after /start, want within %v", took.Round(time.Millisecond), prompt)
	}
	began = time.Now()
	vera.press(consent, "Согласен")
	vera.expect("Спасибо! Теперь можно отправить сообщение")
	if took := time.Since(began); took > prompt {
		t.Errorf("the thanks came %v after the consent, want within %v", took.Round(time.Millisecond), prompt)
	}
	// The group was still being answered slowly all along.
	if n := len(h.srv.Sent(team.housing.ID)); n >= times {
		t.Errorf("the group had all its %d replies before the resident was done: the test did not overlap them", n)
	}
	// And got all its replies in the end.
	deadline := time.Now().Add(times*slow + 5*time.Second)
	for len(h.srv.Sent(team.housing.ID)) < times && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := len(h.srv.Sent(team.housing.ID)); n != times {
		t.Errorf("the group got %d replies to its %d /bindings", n, times)
	}
}
