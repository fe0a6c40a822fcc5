package storage_test

import (
	"context"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"mcu/internal/dbtest"
	"mcu/similar"
	"mcu/storage"
)

// BenchmarkFindSimilarMillion is the similarity lookup at registration
// over 1,000,000 appeals of a year (those of the last 30 days open),
// generated in a scratch database from the words and addresses of the
// test set; each lookup is for one of the test set's appeals registered
// now (3,000 lookups an op). It reports the lookup's p50 and p99 in
// milliseconds, and logs its plan. Loading takes minutes: it runs only
// with MCU_BENCH_SIMILAR=1:
//
//	MCU_BENCH_SIMILAR=1 go test -run '^$' -bench FindSimilarMillion -benchtime 1x -timeout 30m -v ./storage
func BenchmarkFindSimilarMillion(b *testing.B) {
	if os.Getenv("MCU_BENCH_SIMILAR") != "1" {
		b.Skip("set MCU_BENCH_SIMILAR=1 to load 1,000,000 appeals and measure the similarity lookup")
	}
	const rows = 1_000_000
	ctx := context.Background()
	db := dbtest.New(b)
	set := loadTestAppeals(b)
	var stems, streets []string
	for _, ta := range set {
		stems = append(stems, strings.Fields(similar.Text(ta.Text))...)
		if s := similar.NormalAddress(ta.Address).Street; s != "" {
			streets = append(streets, s)
		}
	}
	slices.Sort(stems)
	stems = slices.Compact(stems)
	slices.Sort(streets)
	streets = slices.Compact(streets)

	// The indexes of the migration are dropped for the load and built
	// again afterwards as they were.
	pool := db.Pool()
	idx, err := pool.Query(ctx, `SELECT indexname, indexdef FROM pg_indexes
		WHERE tablename = 'appeals' AND indexname IN ('appeals_similar_street', 'appeals_similar_pin')`)
	if err != nil {
		b.Fatal(err)
	}
	var defs []string
	for idx.Next() {
		var name, def string
		if err := idx.Scan(&name, &def); err != nil {
			b.Fatal(err)
		}
		defs = append(defs, def)
		dbtest.Exec(b, db, `DROP INDEX `+name)
	}
	if idx.Err() != nil || len(defs) != 2 {
		b.Fatalf("the migration's indexes: %v (%v)", defs, idx.Err())
	}
	start := time.Now()
	dbtest.Exec(b, db, `
		INSERT INTO appeals (year, seq, kind, source, state, text, address, latitude, longitude,
			version, created_at, updated_at, similar_text, address_key, street_key)
		SELECT 2024 + g % 2, g / 2 + 1, 'message', 'bot',
			CASE WHEN t.at > now() - interval '30 days' THEN 'in_progress' ELSE 'closed' END,
			'-', '-',
			CASE WHEN g % 2 = 0 THEN 59.3 + random() * 0.4 END,
			CASE WHEN g % 2 = 0 THEN 30.0 + random() * 0.45 END,
			1, t.at, t.at,
			array_to_string(ARRAY(SELECT ($1::text[])[1 + floor(random() * array_length($1::text[], 1))::int]
				FROM generate_series(1, 3 + (g % 6))), ' '),
			s.street || ' ' || (1 + g % 40), s.street
		FROM generate_series(1, $3::int) g,
			LATERAL (SELECT now() - random() * interval '365 days' + g * interval '0 s' AS at) t,
			LATERAL (SELECT ($2::text[])[1 + floor(random() * array_length($2::text[], 1))::int] || left(g::text, 0) AS street) s`,
		stems, streets, rows)
	for _, def := range defs {
		dbtest.Exec(b, db, def)
	}
	dbtest.Exec(b, db, `ANALYZE appeals`)
	b.Logf("loaded %d appeals (%d stems, %d streets) in %s", rows, len(stems), len(streets), time.Since(start).Round(time.Second))

	// The test set's appeals, registered in the last hour, are what the
	// lookups are for.
	now := time.Now().Add(-time.Hour)
	var ids []int64
	for i, ta := range set {
		id := registerTestAppeal(b, db, now, 900000+i, testAppeal{Cluster: ta.Cluster, At: ta.At % 3600,
			Text: ta.Text, Address: ta.Address, Latitude: ta.Latitude, Longitude: ta.Longitude})
		ids = append(ids, id)
	}
	explainSimilar(b, db, ids[0])
	// Each op is a round of lookups (loading again for another b.N would
	// take minutes): run it with -benchtime 1x.
	const lookups = 3000
	took := make([]time.Duration, 0, b.N*lookups)
	var found int
	b.ResetTimer()
	for i := range b.N * lookups {
		t0 := time.Now()
		got, _, err := db.FindSimilar(ctx, ids[i%len(ids)], storage.DefaultSimilarWindow, 1)
		took = append(took, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		found += len(got)
	}
	b.StopTimer()
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	ms := func(q float64) float64 { return float64(took[int(q*float64(len(took)-1))].Microseconds()) / 1000 }
	b.ReportMetric(ms(0.50), "p50_ms")
	b.ReportMetric(ms(0.99), "p99_ms")
	b.ReportMetric(float64(found)/float64(len(took)), "found/lookup")
}

// explainSimilar logs the plan of the lookup for appeal id, as it ran.
func explainSimilar(b *testing.B, db *storage.DB, id int64) {
	ctx := context.Background()
	tx, err := db.Pool().Begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback(ctx)
	rows, err := tx.Query(ctx, `EXPLAIN (ANALYZE, BUFFERS) `+storage.SimilarQuery,
		id, storage.DefaultSimilarWindow.Seconds(), 1, storage.SimilarThreshold)
	if err != nil {
		b.Fatal(err)
	}
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			b.Fatal(err)
		}
		plan = append(plan, line)
	}
	b.Logf("the lookup's plan:\n%s", strings.Join(plan, "\n"))
}
