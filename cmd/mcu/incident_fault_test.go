package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"mcu/delivery"
	"mcu/internal/dbtest"
	"mcu/storage"
	"mcu/workflow"
)

// incidentAnswer is the answer approved in TestKill9DuringIncidentAnswer:
// every resident's chat is searched for it.
const incidentAnswer = "Отопление в домах 1–15 по ул. Ленина дали в 18:40. Приносим извинения."

// TestKill9DuringIncidentAnswer: 200 residents' appeals joined to one
// incident; the curator approves its answer, and mcu serve is killed
// with -9 while it delivers the 200 answers at Telegram's strict limits,
// then started again. Afterwards every resident has the answer, none
// lost; all 200 appeals are answered with one answer_incident row each.
// A send Telegram accepted just before the kill, whose record the kill
// cut off, goes once more (docs/delivery.md): at most the messages in
// flight then, one per dispatcher worker (delivery.DefaultWorkers), each to a different
// resident, can repeat, and only once.
func TestKill9DuringIncidentAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	const residents = 200
	const workers = delivery.DefaultWorkers // the sends that can be in flight, or sent and not recorded, at a kill
	srv := quietServer(t, true)
	dbURL := dbtest.URL(t)
	bin := buildMCU(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	// The district as the bot left it: 200 messages on the heating in
	// housing, joined to one incident whose answer a curator prepared.
	// Their earlier notices (numbers, «Мы уже знаем…») are taken as
	// delivered: this test is about the answer. No chat is bound to
	// housing, so the cards wait for one and only residents are sent to.
	db, err := storage.Open(ctx, dbURL, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := &workflow.Service{Store: db, Calendar: workflow.NewCalendar(nil, nil), Location: time.UTC, Logger: quietLogger()}
	const curator = 777
	if err := db.GrantRole(ctx, curator, "Куратор ЖКХ", workflow.Grant{Role: workflow.RoleCurator, Direction: "housing"}, 0); err != nil {
		t.Fatal(err)
	}
	chats := make([]int64, residents)
	refs := make([]workflow.AppealRef, residents)
	users := make([]int64, residents)
	for i := range residents {
		u := srv.NewUser(fmt.Sprintf("Житель %d", i+1))
		users[i], chats[i] = u.ID, srv.OpenPrivateChat(u).ID
	}
	// Four residents write at a time: the seeding is a fraction of the run.
	seedStart := time.Now()
	errs := make(chan error, residents)
	next := make(chan int, residents)
	for i := range residents {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				var rid int64
				err := db.Pool().QueryRow(ctx, `INSERT INTO residents (telegram_user_id, chat_id, consent_at)
					VALUES ($1, $2, now()) RETURNING id`, users[i], chats[i]).Scan(&rid)
				if err != nil {
					errs <- err
					return
				}
				a, err := svc.Submit(ctx, workflow.Resident(users[i]), workflow.NewAppeal{
					Kind: workflow.KindMessage, Source: workflow.SourceBot, Direction: "housing",
					ResidentID: rid, Text: fmt.Sprintf("Нет отопления, ул. Ленина, %d", i%15+1),
				})
				if err != nil {
					errs <- err
					return
				}
				refs[i] = workflow.AppealRef{ID: a.ID, Version: a.Version}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	inc, err := svc.MakeIncident(ctx, workflow.Staff(curator), "Нет отопления, ул. Ленина 1–15", time.Time{}, refs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SubmitIncidentDraft(ctx, workflow.Staff(curator), inc.ID, incidentAnswer, nil); err != nil {
		t.Fatal(err)
	}
	execSQL(t, dbURL, `UPDATE outbox SET sent_at = now() WHERE sent_at IS NULL AND chat_id IS NOT NULL`)
	seeded := time.Since(seedStart)

	c := startChild(t, bin, srv, dbURL)
	pool := openPool(t, dbURL)
	answers := func() int {
		n := 0
		for _, m := range srv.AllSent() {
			if m.Chat.ID > 0 && strings.Contains(m.Content(), incidentAnswer) {
				n++
			}
		}
		return n
	}
	if _, n, err := svc.ApproveIncident(ctx, workflow.Staff(curator), inc.ID, 0); err != nil || n != residents {
		t.Fatalf("approve: %d appeals answered, %v", n, err)
	}
	// Kill it a quarter of the way through (at 30 a second, about 2 s in).
	for answers() < residents/4 {
		if ctx.Err() != nil {
			t.Fatalf("only %d answers sent before the kill", answers())
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.kill9()
	atKill := answers()
	if atKill >= residents {
		t.Fatalf("every answer went before the kill (%d): nothing was cut off", atKill)
	}
	c.start()
	// A claim leased by the killed sender waits out its lease (15 s).
	took := waitOutboxEmpty(t, pool, 60*time.Second)

	// Each resident's chat: the answer once (twice at most, a send the
	// kill cut off after Telegram accepted it), nothing lost.
	var twice []int64
	for _, chat := range chats {
		n := 0
		for _, m := range srv.Sent(chat) {
			if strings.Contains(m.Content(), incidentAnswer) {
				n++
			}
		}
		switch n {
		case 1:
		case 2:
			twice = append(twice, chat)
		default:
			t.Errorf("resident %d got the answer %d times", chat, n)
		}
	}
	if len(twice) > workers {
		t.Errorf("%d residents got the answer twice, more than the %d sends in flight at the kill: %v", len(twice), workers, twice)
	}
	if n := queryInt(t, pool, `SELECT count(*) FROM appeals WHERE incident_id = $1 AND state = 'answered'`, inc.ID); n != residents {
		t.Errorf("%d appeals answered, want %d", n, residents)
	}
	if n := queryInt(t, pool, `SELECT count(*) FROM (SELECT appeal_id FROM appeal_events
		WHERE event = 'answer_incident' AND (payload->>'incident')::bigint = $1
		GROUP BY appeal_id HAVING count(*) = 1) x`, inc.ID); n != residents {
		t.Errorf("%d appeals with one answer_incident row, want %d", n, residents)
	}
	if n := queryInt(t, pool, `SELECT count(*) FROM incidents WHERE id = $1 AND state = 'answered'`, inc.ID); n != 1 {
		t.Errorf("the incident is not answered")
	}
	if n := queryInt(t, pool, `SELECT count(*) FROM appeal_events WHERE event = 'answer_incident'`); n != residents {
		t.Errorf("%d answer_incident rows, want %d", n, residents)
	}
	if n := queryInt(t, pool, `SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL`); n != 0 {
		t.Errorf("%d outbox messages failed:\n%s", n, outboxDump(pool))
	}
	for _, call := range srv.Calls() {
		if call.Status == 429 {
			t.Errorf("Telegram's limits refused a call: %s to %s: %s", call.Method, call.Params["chat_id"], call.Description)
		}
	}
	t.Logf("seeded in %s; %d answers sent before the kill; the rest within %s of the restart; %d residents got it twice %v",
		seeded.Round(time.Millisecond), atKill, took.Round(time.Millisecond), len(twice), twice)
}
