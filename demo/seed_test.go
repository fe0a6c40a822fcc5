package demo

import (
	"context"
	"testing"
	"time"

	"mcu/internal/dbtest"
	"mcu/workflow"
)

// TestSeedMakesTheWorld: after Seed, every appeal of world.json is in
// its state, every state an appeal can stay in has appeals, the dates
// spread over the last 40 days and never after now, the audit trail
// holds each step, and the chats the page shows are bound.
func TestSeedMakesTheWorld(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	w, err := LoadWorld()
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Europe/Moscow")
	now := time.Now()
	err = w.Seed(ctx, SeedOptions{DB: db, Calendar: workflow.NewCalendar(dbtest.Logger(t), nil), Location: loc,
		Logger: dbtest.Logger(t), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	for _, a := range w.Appeals {
		want[string(a.State)]++
	}
	rows, err := db.Pool().Query(ctx, `SELECT state, count(*), min(created_at), max(updated_at) FROM appeals GROUP BY state`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		var first, last time.Time
		if err := rows.Scan(&state, &n, &first, &last); err != nil {
			t.Fatal(err)
		}
		got[state] = n
		if first.Before(now.AddDate(0, 0, -41)) || last.After(now) {
			t.Errorf("%s appeals dated %s to %s, want within the 41 days before %s", state, first, last, now)
		}
	}
	for _, s := range workflow.States() {
		if s != workflow.StateReceived && got[string(s)] == 0 {
			t.Errorf("no seeded appeal is %s", s)
		}
		if got[string(s)] != want[string(s)] {
			t.Errorf("%d appeals %s, want %d (world.json)", got[string(s)], s, want[string(s)])
		}
	}
	var oldest time.Time
	var events int
	if err := db.Pool().QueryRow(ctx, `SELECT min(at), count(*) FROM appeal_events`).Scan(&oldest, &events); err != nil {
		t.Fatal(err)
	}
	if oldest.After(now.AddDate(0, 0, -35)) || events < 3*len(w.Appeals) {
		t.Errorf("audit trail: %d events, the oldest at %s; want the steps of every appeal, the first weeks ago", events, oldest)
	}
	// The incident of world.json gathers its three open appeals.
	var incidents, joined int
	err = db.Pool().QueryRow(ctx, `SELECT count(DISTINCT i.id), count(a.id) FROM incidents i
		LEFT JOIN appeals a ON a.incident_id = i.id WHERE i.state = 'open' AND i.direction = 'housing'`).Scan(&incidents, &joined)
	if err != nil || incidents != 1 || joined != 3 {
		t.Errorf("incidents: %d open with %d appeals (%v), want 1 with 3", incidents, joined, err)
	}
	bindings, err := db.FindBindings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	directions, err := db.FindDirections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bound := map[int64]string{}
	for _, b := range bindings {
		bound[b.ChatID] = b.Purpose
	}
	if bound[w.TriageChat().ID] != workflow.BindTriage || bound[w.Head().ID] != workflow.BindHead {
		t.Errorf("bindings = %v, want triage's group and the head's chat", bindings)
	}
	for _, d := range directions {
		if _, ok := bound[w.DirectionChat(d).ID]; !ok {
			t.Errorf("the group of %s is not bound: %v", d.Code, bindings)
		}
	}
	for _, p := range w.AllStaff() {
		grants, err := db.FindGrants(ctx, p.ID)
		if err != nil || len(grants) != 1 || grants[0].Role != p.Role || grants[0].Direction != p.Direction {
			t.Errorf("%s: grants %v (%v), want %s %s", p.Name(), grants, err, p.Role, p.Direction)
		}
	}
}
