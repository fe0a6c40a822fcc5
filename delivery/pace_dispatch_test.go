package delivery_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"mcu/delivery"
	"mcu/internal/fakeclock"
	"mcu/internal/telegramtest"
	"mcu/outbox"
	"mcu/workflow"
)

// wave has n residents each submit an appeal to housing at once, and
// returns their private chats.
func (f *fixture) wave(n int) []int64 {
	f.t.Helper()
	chats := make([]int64, n)
	residents := make([]int64, n)
	for i := range n {
		u := f.srv.NewUser("Житель")
		f.srv.OpenPrivateChat(u)
		chats[i] = u.ID
		err := f.db.Pool().QueryRow(context.Background(), `
			INSERT INTO residents (telegram_user_id, chat_id, consent_at) VALUES ($1, $1, now()) RETURNING id`,
			u.ID).Scan(&residents[i])
		if err != nil {
			f.t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, err := f.svc.Submit(context.Background(), workflow.Resident(chats[i]), workflow.NewAppeal{
				Kind: workflow.KindMessage, Source: workflow.SourceBot, Direction: "housing",
				ResidentID: residents[i], Text: "Не горит фонарь во дворе",
			})
			if err != nil {
				f.t.Error(err)
			}
		})
	}
	wg.Wait()
	return chats
}

// flooded returns the calls Telegram answered 429.
func flooded(srv *telegramtest.Server) []telegramtest.Call {
	var out []telegramtest.Call
	for _, c := range srv.Calls() {
		if c.Status == 429 {
			out = append(out, c)
		}
	}
	return out
}

// delivered counts the messages sent to each chat.
func delivered(srv *telegramtest.Server) map[int64]int {
	got := map[int64]int{}
	for _, c := range srv.CallsOf("sendMessage") {
		if c.OK() {
			got[c.ChatID()]++
		}
	}
	return got
}

// 40 residents register an appeal each at once: each gets the
// registration message, the housing group 40 cards, and Telegram, which
// keeps its flood limits (20 a minute for the group, 1/s with a burst of
// 3 for a private chat, 30/s overall), answers no 429. The limits and the
// pacer share a clock that the pacer's waits move, so the group's two
// minutes take no time.
func TestDispatcherPacesAWaveOfAppeals(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC))
	f := newFixtureWith(t, telegramtest.Options{WaitTimeout: 15 * time.Second,
		Limits: telegramtest.Limits{On: true, Now: clock.Now}})
	f.start(delivery.DispatcherOptions{Pace: delivery.PaceOptions{
		Now: clock.Now, Sleep: clock.Sleep, MaxWait: time.Hour, // every wait on the clock, none put off
	}})
	const residents = 40
	start := clock.Now() // the dispatcher may send while the wave comes in
	chats := f.wave(residents)

	deadline := time.Now().Add(20 * time.Second)
	for {
		got := delivered(f.srv)
		done := got[f.housing.ID] >= residents
		for _, c := range chats {
			done = done && got[c] >= 1
		}
		if done || len(flooded(f.srv)) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if calls := flooded(f.srv); len(calls) > 0 {
		t.Errorf("Telegram answered 429 to %d calls, the first: %v", len(calls), calls[0])
	}
	got := delivered(f.srv)
	for _, c := range chats {
		if got[c] != 1 {
			t.Errorf("resident %d got %d messages, want the registration message", c, got[c])
		}
	}
	if got[f.housing.ID] != residents {
		t.Errorf("the housing group got %d cards, want %d", got[f.housing.ID], residents)
	}
	// 40 cards at 20 a minute take more than a minute of the limits'
	// clock (and, with the pacer's burst of 10 and one every 6s after it,
	// about three).
	if took := clock.Now().Sub(start); took < time.Minute || took > 4*time.Minute {
		t.Errorf("the cards took %v of the limits' clock, want between 1 and 4 minutes", took)
	}
}

// A message whose chat may not send within MaxWait is not waited for
// with its row claimed (a transaction open): it goes back to the queue
// until its chat's turn, is looked for again then (not at the next poll),
// and that does not count as an attempt. On the
// wall clock, with a group allowed 60 a minute (so the pacer's one every
// ~1.03s after a burst of 2 is just over MaxWait).
func TestDispatcherPutsOffWhatItCannotSendSoon(t *testing.T) {
	f := newFixtureWith(t, telegramtest.Options{WaitTimeout: 15 * time.Second,
		Limits: telegramtest.Limits{On: true, Now: time.Now, GroupPerMinute: 60}})
	var mu sync.Mutex
	var longest time.Duration
	f.start(delivery.DispatcherOptions{
		Poll: time.Minute, // a message put off comes back at its turn, not at the next poll
		Pace: delivery.PaceOptions{
			GroupPerMinute: 60, GroupBurst: 2,
			Sleep: func(ctx context.Context, d time.Duration) error {
				mu.Lock()
				longest = max(longest, d)
				mu.Unlock()
				select {
				case <-time.After(d):
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			},
		}})
	const residents = 6
	start := time.Now()
	chats := f.wave(residents)
	f.srv.MustWaitCall(t, "sendMessage", func(c telegramtest.Call) bool {
		return c.OK() && c.ChatID() == f.housing.ID && delivered(f.srv)[f.housing.ID] == residents
	})
	took := time.Since(start)
	if calls := flooded(f.srv); len(calls) > 0 {
		t.Errorf("Telegram answered 429 to %d calls, the first: %v", len(calls), calls[0])
	}
	got := delivered(f.srv)
	for _, c := range chats {
		if got[c] != 1 {
			t.Errorf("resident %d got %d messages, want 1", c, got[c])
		}
	}
	if took < 3*time.Second {
		t.Errorf("6 cards at 60 a minute after a burst of 2 took %v, want the group paced", took)
	}
	mu.Lock()
	defer mu.Unlock()
	if longest > time.Second {
		t.Errorf("a worker waited %v with a message claimed, want at most MaxWait (1s)", longest)
	}
	var attempts int
	var errs int
	err := f.db.Pool().QueryRow(context.Background(), `
		SELECT max(attempts), count(nullif(last_error, '')) FROM outbox WHERE chat_id = $1`, f.housing.ID).Scan(&attempts, &errs)
	if err != nil {
		t.Fatal(err)
	}
	if attempts != 1 || errs != 0 {
		t.Errorf("the cards put off: at most %d attempts and %d errors recorded, want 1 and none", attempts, errs)
	}
}

// A 429 holds its chat; a 429 from a second chat while the first is held
// is the bot's own limit, and nothing goes to any chat until its
// retry_after has passed.
func TestDispatcherPausesEveryoneOnAGlobalFlood(t *testing.T) {
	f := newFixture(t)
	f.srv.AddFault(telegramtest.Fault{Method: "sendMessage", ChatID: f.alice.ID, Code: 429, RetryAfter: 3})
	f.srv.AddFault(telegramtest.Fault{Method: "sendMessage", ChatID: f.housing.ID, Code: 429, RetryAfter: 3})
	f.submit("Во дворе дома 5 по ул. Ленина третью неделю не вывозят мусор")
	f.start(delivery.DispatcherOptions{})
	var last telegramtest.Call
	for _, chat := range []int64{f.alice.ID, f.housing.ID} {
		c := f.srv.MustWaitCall(t, "sendMessage", func(c telegramtest.Call) bool {
			return c.ChatID() == chat && c.Status == 429
		})
		if c.Seq > last.Seq {
			last = c
		}
	}
	// Someone else's appeal meanwhile waits for the flood's end.
	bob := f.wave(1)[0]
	first := f.srv.MustWaitCall(t, "sendMessage", func(c telegramtest.Call) bool { return c.ChatID() == bob && c.OK() })
	if gap := first.Time.Sub(last.Time); gap < 2500*time.Millisecond {
		t.Errorf("a third chat was sent to %v after the second chat's 429 with retry_after 3, want everyone paused ~3s",
			gap.Round(time.Millisecond))
	}
	f.waitSent(f.alice.ID, "2026-000001")
	if calls := flooded(f.srv); len(calls) != 2 {
		t.Errorf("%d calls answered 429, want the 2 injected", len(calls))
	}
}

// Each photo of an album counts as a message: three appeals of ten
// photos each make 33 messages in the housing group, which the pacer
// spreads over more than a minute, and Telegram answers no 429.
func TestDispatcherCountsAlbumItems(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC))
	f := newFixtureWith(t, telegramtest.Options{WaitTimeout: 15 * time.Second,
		Limits: telegramtest.Limits{On: true, Now: clock.Now}})
	for i := range 3 {
		f.submitWith(fmt.Sprintf("Яма на дороге у дома %d", i+1), f.photos(10), nil)
	}
	f.start(delivery.DispatcherOptions{Pace: delivery.PaceOptions{Now: clock.Now, Sleep: clock.Sleep, MaxWait: time.Hour}})
	start := clock.Now()
	deadline := time.Now().Add(15 * time.Second)
	for delivered(f.srv)[f.housing.ID] < 3 && len(flooded(f.srv)) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if calls := flooded(f.srv); len(calls) > 0 {
		t.Errorf("Telegram answered 429 to %d calls, the first: %v", len(calls), calls[0])
	}
	if got := delivered(f.srv)[f.housing.ID]; got != 3 {
		t.Errorf("the housing group got %d cards, want 3", got)
	}
	if took := clock.Now().Sub(start); took < time.Minute {
		t.Errorf("33 messages to the group took %v of the limits' clock, want over a minute", took)
	}
}

// Telegram takes a message from a private chat's bucket when it arrives,
// not when the bot lets it go: the first of four replies to a resident
// arrives 700 ms late (a slow network), the next three on time, and the
// bot still draws no 429, since the answer to the late one takes the time
// it spent in flight from the bot's bucket too. On the wall clock.
func TestDispatcherCountsALateArrivalInAPrivateChat(t *testing.T) {
	t.Parallel()
	f := newFixtureWith(t, telegramtest.Options{WaitTimeout: 15 * time.Second,
		Limits: telegramtest.Limits{On: true, Now: time.Now}})
	f.srv.AddFault(telegramtest.Fault{Method: "sendMessage", ChatID: f.alice.ID, Delay: 700 * time.Millisecond})
	for i := range 4 {
		_, err := f.db.EnqueueReply(context.Background(), f.alice.ID, 0, outbox.Reply{Calls: []outbox.Call{{Text: fmt.Sprintf("Ответ %d", i+1)}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	f.start(delivery.DispatcherOptions{})
	f.waitSent(f.alice.ID, "Ответ 4")
	if calls := flooded(f.srv); len(calls) > 0 {
		t.Errorf("Telegram answered 429 to %d calls, the first: %v", len(calls), calls[0])
	}
}

// A message the bot's overall limit holds back goes later than its
// chat's bucket was charged for it, and Telegram takes from the chat's
// bucket only when it arrives: the chat's next messages must count from
// then. Four replies to others fill the bot's second (4 a second here);
// Алиса's first reply waits about a second for it, and her next three
// follow as her chat allows.
func TestDispatcherCountsTheOverallWaitInAPrivateChat(t *testing.T) {
	t.Parallel()
	f := newFixtureWith(t, telegramtest.Options{WaitTimeout: 15 * time.Second,
		Limits: telegramtest.Limits{On: true, Now: time.Now}})
	enqueue := func(chatID int64, text string) {
		t.Helper()
		if _, err := f.db.EnqueueReply(context.Background(), chatID, 0, outbox.Reply{Calls: []outbox.Call{{Text: text}}}); err != nil {
			t.Fatal(err)
		}
	}
	var others []telegramtest.User
	for i := range 4 {
		u := f.srv.NewUser(fmt.Sprintf("Житель %d", i+1))
		f.srv.OpenPrivateChat(u)
		others = append(others, u)
		enqueue(u.ID, "Ответ")
	}
	f.start(delivery.DispatcherOptions{Pace: delivery.PaceOptions{PerSecond: 4, MaxWait: 3 * time.Second}})
	for _, u := range others {
		f.waitSent(u.ID, "Ответ")
	}
	for i := range 4 {
		enqueue(f.alice.ID, fmt.Sprintf("Ответ %d", i+1))
	}
	f.waitSent(f.alice.ID, "Ответ 4")
	if calls := flooded(f.srv); len(calls) > 0 {
		t.Errorf("Telegram answered 429 to %d calls, the first: %v", len(calls), calls[0])
	}
}
