package loadtest

import (
	"testing"
	"time"

	"mcu/internal/telegramtest"
	"mcu/render"
)

func inline(id int, data ...string) telegramtest.Message {
	m := telegramtest.Message{MessageID: id, Text: "prompt", ReplyMarkup: &telegramtest.InlineKeyboardMarkup{}}
	var row []telegramtest.InlineKeyboardButton
	for _, d := range data {
		row = append(row, telegramtest.InlineKeyboardButton{Text: d, CallbackData: "\f" + d, Action: "callback_data"})
	}
	m.ReplyMarkup.InlineKeyboard = [][]telegramtest.InlineKeyboardButton{row}
	return m
}

func keyboard(id int, buttons ...telegramtest.KeyboardButton) telegramtest.Message {
	return telegramtest.Message{MessageID: id, Text: "prompt", Keyboard: [][]telegramtest.KeyboardButton{buttons}}
}

// The resident acts on what is new since its last action, the best
// button first, and never twice on the same thing.
func TestDecide(t *testing.T) {
	r := &Resident{plan: Plan{Direction: "housing", Text: "two words"}, seen: map[int]string{}, done: map[string]bool{}}
	cases := []struct {
		name string
		view []telegramtest.Message
		want string // the action's key; "" for none
	}{
		{"consent", []telegramtest.Message{inline(1, "r_consent|yes", "r_consent|full", "r_consent|no")}, "press 1 \fr_consent|yes"},
		{"direction", []telegramtest.Message{inline(2, "r_dir|7.0|politics", "r_dir|7.0|housing", "r_dir|7.0|-")}, "press 2 \fr_dir|7.0|housing"},
		{"describe", []telegramtest.Message{inline(3, "r_in|7.1|details|back", "r_in|7.1|details|cancel")}, "text 7.1"},
		{"next", []telegramtest.Message{inline(4, "r_in|7.1|details|next", "r_in|7.1|details|cancel")}, "press 4 \fr_in|7.1|details|next"},
		{"location", []telegramtest.Message{keyboard(5, telegramtest.KeyboardButton{Text: "x", RequestLocation: true}, telegramtest.KeyboardButton{Text: render.BtnSkip})}, "keyboard 5"},
		{"summary then confirm", []telegramtest.Message{keyboard(6, telegramtest.KeyboardButton{Text: render.BtnMenuNew}), inline(7, "r_in|7.4|confirm|submit", "r_in|7.4|confirm|edit")}, "press 7 \fr_in|7.4|confirm|submit"},
		{"the menu alone after starting", []telegramtest.Message{keyboard(8, telegramtest.KeyboardButton{Text: render.BtnMenuNew})}, ""},
		{"unknown buttons", []telegramtest.Message{inline(9, "s_take|1")}, ""},
	}
	r.consented, r.started = true, true
	for _, c := range cases {
		clear(r.seen)
		a, ok := r.decide(c.view)
		if got := map[bool]string{true: a.key}[ok]; got != c.want {
			t.Errorf("%s: action %q, want %q", c.name, got, c.want)
		}
	}
	// Seen before the last action: nothing new.
	view := []telegramtest.Message{inline(1, "r_consent|yes")}
	r.seen[1] = fingerprint(view[0])
	if a, ok := r.decide(view); ok {
		t.Errorf("acted on a message unchanged since the last action: %q", a.key)
	}
	// Done already: not again.
	clear(r.seen)
	r.done["text 7.1"] = true
	if a, ok := r.decide([]telegramtest.Message{inline(3, "r_in|7.1|details|cancel")}); ok {
		t.Errorf("typed the description twice: %q", a.key)
	}
}

func TestNumberPattern(t *testing.T) {
	for s, want := range map[string]string{
		"Сообщение зарегистрировано, № 2026-000042, ответ до 17.03.2026.": "2026-000042",
		"Телефон: +79111234567": "",
		"ответ до 17.03.2026":   "",
	} {
		if got := findNumber([]telegramtest.Message{{Text: s}}); got != want {
			t.Errorf("%q: number %q, want %q", s, got, want)
		}
	}
}

func TestPercentileAndGroupWindow(t *testing.T) {
	var l []time.Duration
	for i := 1; i <= 100; i++ {
		l = append(l, time.Duration(i)*time.Millisecond)
	}
	if p := Percentile(l, 50); p != 50*time.Millisecond {
		t.Errorf("p50 %s", p)
	}
	if p := Percentile(l, 99); p != 99*time.Millisecond {
		t.Errorf("p99 %s", p)
	}
	w := &Watcher{groups: map[int64][]time.Time{}}
	t0 := time.Unix(0, 0)
	for _, s := range []int{0, 10, 20, 59, 61, 62, 119, 200} {
		w.groups[-1] = append(w.groups[-1], t0.Add(time.Duration(s)*time.Second))
	}
	// 10, 20, 59, 61, 62 lie within one 60 s; so do 61, 62, 119.
	if got := w.GroupMaxPerMinute(-1); got != 5 {
		t.Errorf("most in any 60 s: %d, want 5", got)
	}
}
