package bot_test

import (
	"testing"

	"mcu/internal/telegramtest"
)

// TestDraftAsAlbum: an executor answers the draft prompt with an album of
// three photos captioned with the text; the draft waits for «Отправить
// проект», keeps all three photos, and the resident gets them with the
// answer.
func TestDraftAsAlbum(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	team := h.housingTeam()
	alice, ivan, olga, housing := team.alice, team.ivan, team.olga, team.housing
	const num = "2026-000001"
	h.submitFor(alice, "housing", "Разбит фонарь у подъезда 3, дом 7")

	card := h.cardIn(housing.ID, num, telegramtest.WithButton("Взять в работу"))
	h.answer(h.srv.MustPress(t, ivan, card, "Взять в работу"))
	card = h.cardIn(housing.ID, num, telegramtest.WithButton("Подготовить ответ"))
	last, _ := h.srv.LastSent(housing.ID)
	h.answer(h.srv.MustPress(t, ivan, card, "Подготовить ответ"))
	prompt := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.After(last), telegramtest.Contains("проект ответа")))

	const text = "Фонарь заменён 04.03.2026, фото до и после."
	album := h.srv.SendAlbum(ivan, 3, text, telegramtest.In(housing), telegramtest.ReplyTo(prompt))
	kept := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.After(album[0]), telegramtest.WithButton("Отправить проект")))
	if kept.Text != "Фото добавлены к проекту. Когда пришлёте все фото с подписью-текстом, нажмите «Отправить проект»." {
		t.Errorf("album kept with %q", kept.Text)
	}
	// Nothing is submitted before the press.
	after := album[len(album)-1]
	h.srv.MustWaitDelivered(t, after.UpdateID)
	if n := h.count(`SELECT count(*) FROM appeal_events WHERE event = 'submit_draft'`); n != 0 {
		t.Fatalf("%d drafts submitted before «Отправить проект»", n)
	}
	// Someone else's press finds no draft of theirs.
	if got := h.answer(h.srv.MustPress(t, olga, kept, "Отправить проект")); got != "Этот проект уже отправлен или отменён." {
		t.Errorf("another's press answered %q", got)
	}
	if got := h.answer(h.srv.MustPress(t, ivan, kept, "Отправить проект")); got != "" {
		t.Errorf("press answered %q", got)
	}
	card = h.cardIn(housing.ID, num, telegramtest.Contains("Фото к проекту: 3"), telegramtest.WithButton("Утвердить"))
	// A second press has nothing left to send.
	if got := h.answer(h.srv.MustPress(t, ivan, kept, "Отправить проект")); got != "Этот проект уже отправлен или отменён." {
		t.Errorf("second press answered %q", got)
	}

	h.answer(h.srv.MustPress(t, olga, card, "Утвердить"))
	answer := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(alice.ID), telegramtest.Contains("Ответ на сообщение")))
	var photos int
	for _, m := range h.srv.Sent(alice.ID) {
		if len(m.Photo) > 0 && m.MessageID < answer.MessageID {
			photos++
		}
	}
	if photos != 3 {
		t.Errorf("resident got %d photos with the answer, want 3", photos)
	}
}
