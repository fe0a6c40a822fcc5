package storage_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"mcu/internal/dbtest"
	"mcu/outbox"
	"mcu/render"
	"mcu/storage"
	"mcu/workflow"
)

// The dispatcher renders a card's similar line from outbox.Similar as
// render.Similar: the two keep the same fields.
var _ = render.Similar(outbox.Similar{})

// testAppeal is one appeal of testdata/similar_appeals.json: what a
// resident wrote, where, when (seconds after the first) and the problem
// it is about (its cluster: one problem in one place).
type testAppeal struct {
	Cluster   string   `json:"cluster"`
	At        int64    `json:"at"`
	Text      string   `json:"text"`
	Address   string   `json:"address"`
	Latitude  *float64 `json:"latitude"`
	Longitude *float64 `json:"longitude"`
}

func loadTestAppeals(t testing.TB) []testAppeal {
	t.Helper()
	raw, err := os.ReadFile("testdata/similar_appeals.json")
	if err != nil {
		t.Fatal(err)
	}
	var set []testAppeal
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatal(err)
	}
	return set
}

// registerTestAppeal creates a registered appeal of ta at base + ta.At
// and returns its id.
func registerTestAppeal(t testing.TB, db *storage.DB, base time.Time, seq int, ta testAppeal) int64 {
	t.Helper()
	ctx := t.Context()
	at := base.Add(time.Duration(ta.At) * time.Second)
	a := &workflow.Appeal{Kind: workflow.KindMessage, Source: workflow.SourceBot, State: workflow.StateReceived,
		Text: ta.Text, Address: ta.Address, Version: 1, CreatedAt: at, UpdatedAt: at}
	if ta.Latitude != nil && ta.Longitude != nil {
		a.Location = &workflow.Location{Latitude: *ta.Latitude, Longitude: *ta.Longitude}
	}
	err := db.InTx(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.CreateAppeal(ctx, a, "", "") })
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Exec(t, db, `UPDATE appeals SET year = 2026, seq = $2, state = 'registered', registered_at = created_at WHERE id = $1`, a.ID, seq)
	return a.ID
}

// TestFindSimilarPrecisionAndRecall registers the appeals of the test set
// in order and asks, for each as it is registered, for the most similar
// open appeal: the suggestion is right when it is about the same problem
// in the same place. Precision: the right suggestions of all made;
// recall: the right suggestions of the appeals that had an earlier one of
// their cluster within the window.
func TestFindSimilarPrecisionAndRecall(t *testing.T) {
	t.Parallel()
	set := loadTestAppeals(t)
	if len(set) < 300 {
		t.Fatalf("the test set has %d appeals, want at least 300", len(set))
	}
	db := dbtest.New(t)
	base := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)
	window := storage.DefaultSimilarWindow
	cluster := map[int64]string{}
	var seen []testAppeal
	var made, right, expected int
	for i, ta := range set {
		id := registerTestAppeal(t, db, base, i+1, ta)
		cluster[id] = ta.Cluster
		for _, earlier := range seen {
			if earlier.Cluster == ta.Cluster && time.Duration(ta.At-earlier.At)*time.Second <= window {
				expected++
				break
			}
		}
		seen = append(seen, ta)
		found, total, err := db.FindSimilar(t.Context(), id, window, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(found) == 0 {
			continue
		}
		made++
		if total < len(found) {
			t.Errorf("appeal %d: %d similar in all, fewer than the %d returned", i, total, len(found))
		}
		if cluster[found[0].ID] == ta.Cluster {
			right++
		} else if testing.Verbose() {
			t.Logf("wrong: %q (%s) -> %s %q (%.2f)", ta.Text, ta.Cluster, cluster[found[0].ID], found[0].Address, found[0].Score)
		}
	}
	precision := float64(right) / float64(max(made, 1))
	recall := float64(right) / float64(max(expected, 1))
	t.Logf("%d appeals, threshold %.2f: %d suggestions, %d right; %d could be suggested: precision %.3f, recall %.3f",
		len(set), storage.SimilarThreshold, made, right, expected, precision, recall)
	if precision < 0.9 || recall < 0.7 {
		t.Errorf("precision %.3f, recall %.3f; want at least 0.9 and 0.7", precision, recall)
	}
}

// TestCardShowsSimilarOpenAppeals: the card of an appeal about heating
// in a house names the earlier open appeal about it in the same street
// and how many there are; an appeal about garbage in the same street, one
// about heating in another settlement, a closed one and one older than
// the window are not counted.
func TestCardShowsSimilarOpenAppeals(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	db.SetSimilarWindow(48 * time.Hour)
	base := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)
	const day = 24 * 3600
	reg := func(seq int, at int64, text, address string) int64 {
		return registerTestAppeal(t, db, base, seq, testAppeal{At: at, Text: text, Address: address})
	}
	reg(1, day, "Нет отопления, батареи холодные", "г. Гатчина, ул. Ленина, д. 3")                    // older than the window of 48h (not than 72h)
	reg(2, 2*day, "Отопления нет, батареи ледяные", "Гатчина, улица Ленина, 7")                       // the best match
	closed := reg(3, 2*day+60, "Нет отопления в доме, батареи холодные", "г. Гатчина, ул. Ленина, 9") // closed
	reg(4, 2*day+120, "Не вывозят мусор, контейнеры полные", "г. Гатчина, ул. Ленина, 3")             // another problem
	reg(5, 2*day+180, "Нет отопления, батареи холодные", "пос. Сиверский, ул. Ленина, 3")             // another settlement
	reg(6, 2*day+240, "Холодные батареи, отопление не работает", "г. Гатчина, ул Ленина, д.5")        // similar too
	dbtest.Exec(t, db, `UPDATE appeals SET state = 'closed' WHERE id = $1`, closed)
	me := reg(7, 3*day+300, "Здравствуйте! Нет отопления, батареи холодные", "г. Гатчина, ул. Ленина, д. 5, кв. 4")
	_ = me

	m, err := db.FindCard(t.Context(), "2026-000007")
	if err != nil {
		t.Fatal(err)
	}
	want := outbox.Similar{Number: "2026-000006", Address: "г. Гатчина, ул Ленина, д.5", Count: 2}
	if m.Similar != want {
		t.Errorf("the card's similar appeals: %+v, want %+v", m.Similar, want)
	}
	m, err = db.FindCard(t.Context(), "2026-000004")
	if err != nil {
		t.Fatal(err)
	}
	if m.Similar.Count != 0 {
		t.Errorf("the garbage appeal's card shows similar appeals: %+v", m.Similar)
	}
}
