package delivery_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"mcu/delivery"
	"mcu/internal/fakeclock"
	"mcu/internal/telegramtest"
	"mcu/storage"
	"mcu/workflow"
)

// TestGroupThatCannotKeepUpGetsAList: twenty new appeals with three
// photos each wait for the housing group — eighty messages, four minutes
// at Telegram's 20 a minute. The group gets one list naming every appeal
// at once, and no 429; a button of the list posts that appeal's card with
// its photos, which a later change then edits in place, while a change of
// an appeal still listed waits for its card to be asked for.
func TestGroupThatCannotKeepUpGetsAList(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC))
	f := newFixtureWith(t, telegramtest.Options{WaitTimeout: 15 * time.Second,
		Limits: telegramtest.Limits{On: true, Now: clock.Now}})
	photos := f.photos(3)
	const n = 20
	var appeals []*workflow.Appeal
	for i := range n {
		appeals = append(appeals, f.submitWith(fmt.Sprintf("Во дворе дома %d по ул. Ленина не вывозят мусор", i+1), photos, nil))
	}
	start := clock.Now()
	f.start(delivery.DispatcherOptions{Pace: delivery.PaceOptions{Now: clock.Now, Sleep: clock.Sleep, MaxWait: time.Hour}})
	f.waitNothingPending(t)

	if calls := flooded(f.srv); len(calls) > 0 {
		t.Errorf("Telegram answered 429 to %d calls, the first: %v", len(calls), calls[0])
	}
	sent := f.sentTo(f.housing.ID)
	if len(sent) != 1 || !strings.HasPrefix(sent[0].Text, "Новые обращения по направлению «ЖКХ»: 20") {
		t.Fatalf("the housing group got %v, want one list of 20", kinds(sent))
	}
	list := sent[0]
	for _, a := range appeals {
		if !strings.Contains(list.Text, "№ "+a.Number()+" — Во дворе дома") {
			t.Errorf("the list lacks %s:\n%s", a.Number(), list.Text)
		}
		if _, ok := list.Button("№ " + a.Number()); !ok {
			t.Errorf("the list has no button for %s", a.Number())
		}
	}
	if took := clock.Now().Sub(start); took > time.Minute {
		t.Errorf("the list came after %v of Telegram's clock, want it within a minute", took)
	}

	// Somebody asks for the first card: it comes with its photos.
	ctx := context.Background()
	if ok, err := f.db.PostListedCard(ctx, appeals[0].ID, f.housing.ID); err != nil || !ok {
		t.Fatalf("PostListedCard: %v, %v", ok, err)
	}
	if ok, err := f.db.PostListedCard(ctx, appeals[0].ID, f.housing.ID); err != nil || ok {
		t.Errorf("asked for twice: %v, %v; want false", ok, err)
	}
	f.waitNothingPending(t)
	if got := kinds(f.sentTo(f.housing.ID)[1:]); strings.Join(got, ",") != "photo,photo,photo,text "+appeals[0].Number() {
		t.Errorf("after the press the group got %q, want the album and the card", got)
	}
	card := f.sentTo(f.housing.ID)[4]

	// Later changes: the card posted is edited in place; the appeal still
	// listed gets nothing until its card is asked for.
	before := len(f.sentTo(f.housing.ID))
	edits := len(f.srv.CallsOf("editMessageText"))
	for _, a := range appeals[:2] {
		err := f.db.InTxStore(ctx, func(ctx context.Context, tx *storage.Tx) error {
			return tx.Enqueue(ctx, workflow.Notification{AppealID: a.ID, Audience: workflow.AudienceCard, Direction: "housing", Event: workflow.EventTake})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	f.waitNothingPending(t)
	if got := len(f.sentTo(f.housing.ID)); got != before {
		t.Errorf("later changes sent %d new messages to the group, want none", got-before)
	}
	var edited []int
	for _, c := range f.srv.CallsOf("editMessageText")[edits:] {
		if c.ChatID() == f.housing.ID {
			id, _ := strconv.Atoi(c.Param("message_id"))
			edited = append(edited, id)
		}
	}
	if len(edited) != 1 || edited[0] != card.MessageID {
		t.Errorf("edits in the group: %v, want the posted card %d once", edited, card.MessageID)
	}
}

// TestListNamesAnAppealOnce: appeals changed again before their first
// card went (joined to an incident at once, say) have two card rows
// waiting; the list names each appeal once and is sent once.
func TestListNamesAnAppealOnce(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC))
	f := newFixtureWith(t, telegramtest.Options{WaitTimeout: 15 * time.Second,
		Limits: telegramtest.Limits{On: true, Now: clock.Now}})
	photos := f.photos(3)
	const n = 20
	ctx := context.Background()
	for i := range n {
		a := f.submitWith(fmt.Sprintf("Во дворе дома %d по ул. Ленина не вывозят мусор", i+1), photos, nil)
		err := f.db.InTxStore(ctx, func(ctx context.Context, tx *storage.Tx) error {
			return tx.Enqueue(ctx, workflow.Notification{AppealID: a.ID, Audience: workflow.AudienceCard, Direction: "housing", Event: workflow.EventJoinIncident})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	f.start(delivery.DispatcherOptions{Pace: delivery.PaceOptions{Now: clock.Now, Sleep: clock.Sleep, MaxWait: time.Hour}})
	f.waitNothingPending(t)
	sent := f.sentTo(f.housing.ID)
	if len(sent) != 1 || !strings.HasPrefix(sent[0].Text, "Новые обращения по направлению «ЖКХ»: 20") {
		t.Fatalf("the housing group got %v, want one list of 20", kinds(sent))
	}
	if got := len(sent[0].Buttons()); got != n {
		t.Errorf("the list has %d buttons, want %d", got, n)
	}
}

// Unpaced, against a Telegram without flood limits (the demo's), every
// group keeps up: the cards go one by one, however many wait.
func TestUnpacedGroupGetsEveryCard(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	photos := f.photos(3)
	const n = 20
	for i := range n {
		f.submitWith(fmt.Sprintf("Во дворе дома %d по ул. Ленина не вывозят мусор", i+1), photos, nil)
	}
	f.start(delivery.DispatcherOptions{Pace: delivery.PaceOptions{Off: true}})
	f.waitNothingPending(t)
	cards := 0
	for _, m := range f.sentTo(f.housing.ID) {
		if strings.HasPrefix(m.Text, "Новые обращения") {
			t.Fatalf("an unpaced group got a list:\n%s", m.Text)
		}
		if strings.HasPrefix(m.Text, "№ ") {
			cards++
		}
	}
	if cards != n {
		t.Errorf("the housing group got %d cards, want %d", cards, n)
	}
}
