package bot_test

import (
	"slices"
	"strings"
	"testing"

	"mcu/internal/dbtest"
	"mcu/internal/telegramtest"
	"mcu/workflow"
)

// A resident revokes the consent from the bot, as they gave it: their
// open appeals are withdrawn (the housing chat hears of each), and none
// of their words is kept anywhere, the cards included; «Нет» keeps
// everything, a confirmation outdated by a new appeal does nothing, and
// «Да» pressed again changes nothing.
func TestPrivacyRevokesConsentAndErasesTheirData(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	housing := h.srv.NewGroup("ЖКХ")
	h.bind(housing, 0, "housing")
	vera := h.newPlayer("Вера")
	vera.consent()
	first := h.submitFor(vera.u, "housing", "Секретик: не закрывается дверь подъезда 4")
	h.submitFor(vera.u, "housing", "Секретик: нет света на лестнице")
	h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(housing.ID), telegramtest.Contains("№ 2026-000002")))

	vera.send("/privacy")
	info := vera.expect("Ваши персональные данные")
	for _, s := range []string{"Согласие на обработку дано 02.03.2026", "ваших сообщений (2 сообщения)"} {
		if !strings.Contains(info.Text, s) {
			t.Errorf("/privacy lacks %q:\n%s", s, info.Text)
		}
	}
	vera.press(info, "Отозвать согласие")
	ask := vera.expectIn(info, "Отозвать согласие на обработку персональных данных?")
	if !strings.Contains(ask.Text, "будут отозваны, их рассмотрение прекратится: № 2026-000002, № 2026-000001.") {
		t.Errorf("the confirmation does not name the open appeals:\n%s", ask.Text)
	}
	if got := ask.ButtonTexts(); !slices.EqualFunc(got, [][]string{{"Да, отозвать и удалить", "Нет"}}, slices.Equal) {
		t.Errorf("confirmation buttons %q", got)
	}
	vera.press(ask, "Нет")
	vera.expectIn(info, "Хорошо, согласие остаётся в силе, ничего не удалено.")
	if got := h.appeal(first.ID); got.State != workflow.StateAssigned || !strings.Contains(got.Text, "Секретик") {
		t.Fatalf("«Нет» changed the appeal: %s, %q", got.State, got.Text)
	}

	vera.send("/privacy")
	info = vera.expect("Ваши персональные данные")
	vera.press(info, "Отозвать согласие")
	ask = vera.expectIn(info, "№ 2026-000002, № 2026-000001.")
	h.submitFor(vera.u, "housing", "Секретик: и ещё яма во дворе") // while she reads
	if ans := vera.press(ask, "Да, отозвать и удалить"); ans.Text != "Ваши сообщения изменились: проверьте ещё раз." {
		t.Errorf("an outdated confirmation answered %q", ans.Text)
	}
	ask = vera.expectIn(info, "№ 2026-000003, № 2026-000002, № 2026-000001.")
	if got := h.appeal(first.ID); got.State != workflow.StateAssigned {
		t.Fatalf("an outdated confirmation withdrew an appeal: %s", got.State)
	}
	yes, _ := ask.Button("Да, отозвать и удалить")
	vera.press(ask, "Да, отозвать и удалить")
	vera.expectIn(info, "Согласие отозвано, ваши данные удалены.")
	for _, n := range []string{"2026-000001", "2026-000002", "2026-000003"} {
		h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(housing.ID), telegramtest.Contains("№ "+n+": заявитель отозвал сообщение.")))
	}
	got := h.appeal(first.ID)
	if got.State != workflow.StateWithdrawn || got.Number() != "2026-000001" || !got.Forgotten || got.Text != "" {
		t.Errorf("the appeal after the revocation: № %s, %s, forgotten %v, %q", got.Number(), got.State, got.Forgotten, got.Text)
	}
	// The card in the housing chat, edited for the withdrawal, no longer
	// quotes her.
	card := h.srv.MustWaitMessage(t, telegramtest.All(telegramtest.SentTo(housing.ID),
		telegramtest.Contains("№ 2026-000001"), telegramtest.Contains("[удалено: персональные данные заявителя]")))
	if strings.Contains(card.Text, "Секретик") {
		t.Errorf("the card still quotes her:\n%s", card.Text)
	}
	vera.sync()
	if tables := dbtest.TablesHolding(t, h.db, "Секретик"); len(tables) > 0 {
		t.Errorf("her words are still in %v", tables)
	}
	if tables := dbtest.TablesHolding(t, h.db, "Вера"); len(tables) > 0 {
		t.Errorf("her name is still in %v", tables)
	}

	events := h.count(`SELECT count(*) FROM appeal_events`)
	if ans := vera.pressData(ask, yes.CallbackData); ans.Text != "Ваши данные уже удалены." {
		t.Errorf("«Да» again answered %q", ans.Text)
	}
	if n := h.count(`SELECT count(*) FROM appeal_events`); n != events {
		t.Errorf("audit events %d → %d after «Да» again", events, n)
	}
	// She is a stranger to the bot now: writing again starts with the
	// consent.
	vera.send("/new")
	vera.expect("152-ФЗ")
}

// Before any consent, /privacy says that nothing is kept.
func TestPrivacyBeforeConsentKeepsNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	ivan := h.newPlayer("Иван")
	ivan.send("/privacy")
	ivan.expect("Вы не давали согласия на обработку персональных данных, и бот ничего о вас не хранит.")
	if n := h.count(`SELECT count(*) FROM residents`); n != 0 {
		t.Errorf("/privacy stored %d residents", n)
	}
}
