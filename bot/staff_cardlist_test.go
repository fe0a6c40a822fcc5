package bot_test

import (
	"fmt"
	"strings"
	"testing"

	"mcu/internal/telegramtest"
	"mcu/workflow"
)

// TestCardListButtons: forty-five appeals wait for a group that can take
// forty messages in two minutes; the first thirty come as one list. Its
// button posts an appeal's full card for the staff of the direction,
// refuses anyone else, and says so when the card is there already.
func TestCardListButtons(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	team := h.housingTeam()
	stranger := h.srv.NewUser("Посторонний")
	h.stop()
	var appeals []*workflow.Appeal
	for i := range 45 {
		appeals = append(appeals, h.submitFor(team.alice, "housing", fmt.Sprintf("Во дворе дома %d не вывозят мусор", i+1)))
	}
	h.start()
	list := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(team.housing.ID), telegramtest.Contains("Новые обращения по направлению «ЖКХ»: 30")))
	// The rest come as cards once the queue is short enough.
	h.cardIn(team.housing.ID, appeals[44].Number())
	for _, a := range appeals[:30] {
		if n := len(cardsOf(h, team.housing.ID, a.Number())); n != 0 {
			t.Errorf("%s listed and sent as a card too", a.Number())
		}
	}

	button := "№ " + appeals[3].Number()
	if got := h.answer(h.srv.MustPress(t, stranger, list, button)); got != "Недостаточно прав." {
		t.Errorf("a stranger's press: %q", got)
	}
	if got := h.answer(h.srv.MustPress(t, team.ivan, list, button)); got != "" {
		t.Errorf("the executor's press: %q", got)
	}
	h.cardIn(team.housing.ID, appeals[3].Number(), telegramtest.WithButton("Взять в работу"))
	if got := h.answer(h.srv.MustPress(t, team.olga, list, button)); got != "Карточка этого обращения уже в чате." {
		t.Errorf("a second press: %q", got)
	}
	if n := len(cardsOf(h, team.housing.ID, appeals[3].Number())); n != 1 {
		t.Errorf("%d cards of %s after two presses, want 1", n, appeals[3].Number())
	}
}

// cardsOf returns the cards of an appeal the bot sent to a chat.
func cardsOf(h *harness, chatID int64, number string) []telegramtest.Message {
	var out []telegramtest.Message
	for _, m := range h.srv.Sent(chatID) {
		if strings.HasPrefix(m.Text, "№ "+number+" ·") {
			out = append(out, m)
		}
	}
	return out
}
