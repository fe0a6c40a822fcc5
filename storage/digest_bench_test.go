package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"mcu/internal/dbtest"
	"mcu/storage"
	"mcu/workflow"
)

// benchAppeals is how many appeals BenchmarkDigestQueries seeds.
const benchAppeals = 1_000_000

// BenchmarkDigestQueries measures the digest's queries over 1,000,000
// appeals of two years (about 1,370 a day) with their audit events, the
// digest made at 09:00 on Tuesday 17 March 2026. It logs the seeding time
// and each query's EXPLAIN ANALYZE. Run it alone:
//
//	go test ./storage -run '^$' -bench BenchmarkDigestQueries -benchtime 20x -v
func BenchmarkDigestQueries(b *testing.B) {
	ctx := context.Background()
	db := dbtest.New(b)
	msk, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 3, 17, 9, 0, 0, 0, msk)
	started := time.Now()
	seedDistrict(b, db, now)
	b.Logf("seeded %d appeals, %d audit events and %d alerts in %s", count(b, db, "appeals"), count(b, db, "appeal_events"),
		count(b, db, "deadline_alerts"), time.Since(started).Round(100*time.Millisecond))

	w := workflow.NewDigestWindow(workflow.NewCalendar(nil, nil), msk, now.Add(-24*time.Hour), now)
	for _, q := range storage.DigestQueries(w) {
		b.Logf("EXPLAIN ANALYZE of %s:\n%s", q.Name, explain(b, db, q))
	}
	b.Run("all", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.FindDigestRows(ctx, w); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, q := range storage.DigestQueries(w) {
		b.Run(q.Name, func(b *testing.B) {
			for b.Loop() {
				rows, err := db.Pool().Query(ctx, q.SQL, q.Args...)
				if err != nil {
					b.Fatal(err)
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// seedDistrict fills the database with benchAppeals appeals created
// evenly over the two years before now, in the five directions (1 in 50
// of the last 30 days' still in triage), and their audit events: register
// for every appeal; approve, rate (7 in 10 answers; ratings 1–5 evenly)
// and close for those answered; reopen for 3 in 100. Appeals older than
// 30 days are closed, rejected, redirected or withdrawn, but 1 in 200 left
// open and late; of the last 30 days' a third are open. The indexes and
// foreign keys are dropped while rows go in and built again after (see
// bulkLoad). Deadline control's alerts follow: a reminder for every
// appeal not answered 3 days before its deadline, an escalation for every
// one still open after it, a 59-ФЗ alert for every one left in triage.
// Then the tables are vacuumed and analysed, as autovacuum would.
func seedDistrict(b *testing.B, db *storage.DB, now time.Time) {
	b.Helper()
	ctx := context.Background()
	drop, rebuild := bulkLoad(b, db)
	exec := func(sql string, args ...any) {
		b.Helper()
		if _, err := db.Pool().Exec(ctx, sql, args...); err != nil {
			b.Fatalf("%s: %v", strings.TrimSpace(sql)[:min(60, len(strings.TrimSpace(sql)))], err)
		}
	}
	for _, sql := range drop {
		exec(sql)
	}
	// h is a fixed scramble of the appeal's number: its fate.
	exec(`
		INSERT INTO appeals (id, year, seq, kind, source, state, direction, text, due_at, created_at,
			registered_at, answered_at, closed_at, rating, updated_at)
		SELECT i, extract(year FROM created)::int, i, 'message', 'bot', state,
			CASE WHEN age < 30 AND h % 50 = 0 THEN NULL
				ELSE (ARRAY['politics', 'social', 'housing', 'economy', 'property'])[1 + i % 5] END,
			'Во дворе дома ' || i || ' не вывозят мусор третью неделю', created + interval '14 days', created, created,
			CASE WHEN state IN ('answered', 'closed') THEN created + (1 + h % 12) * interval '1 day' END,
			CASE WHEN state IN ('closed', 'rejected', 'redirected', 'withdrawn') THEN created + (1 + h % 12) * interval '1 day' + interval '2 hours' END,
			CASE WHEN state IN ('answered', 'closed') AND h % 10 < 7 THEN 1 + (h / 10) % 5 END,
			created
		FROM (
			SELECT i, h, created, age,
				CASE
					WHEN age >= 30 AND h % 200 = 0 THEN 'in_progress'
					WHEN age >= 30 AND h % 100 < 5 THEN 'rejected'
					WHEN age >= 30 AND h % 100 < 8 THEN 'redirected'
					WHEN age >= 30 AND h % 100 < 10 THEN 'withdrawn'
					WHEN age >= 30 THEN 'closed'
					WHEN age < 1 + h % 12 THEN (ARRAY['assigned', 'in_progress', 'on_approval', 'clarification'])[1 + h % 4]
					WHEN h % 3 = 0 THEN 'in_progress'
					WHEN h % 3 = 1 THEN 'answered'
					ELSE 'closed'
				END AS state
			FROM (
				SELECT i, (i::bigint * 7919 % 1000)::int AS h,
					$1::timestamptz - make_interval(secs => ($2 - i) * (730 * 86400.0::float8 / $2)) AS created,
					($2 - i) * (730.0::float8 / $2) AS age
				FROM generate_series(1, $2::int) AS i
			) g
		) s`, now, benchAppeals)
	exec(`SELECT setval('appeals_id_seq', $1)`, benchAppeals)
	// In time order, as the audit trail grows: the events of a window lie
	// together in the table, as they would.
	exec(`
		INSERT INTO appeal_events (appeal_id, at, actor_kind, event, from_state, to_state, payload)
		SELECT * FROM (
			SELECT id, created_at AS at, 'system', 'register', 'received', 'registered', '{}'::jsonb FROM appeals
			UNION ALL
			SELECT id, answered_at, 'staff', 'approve', 'on_approval', 'answered', '{}' FROM appeals WHERE answered_at IS NOT NULL
			UNION ALL
			SELECT id, answered_at + interval '1 hour', 'resident', 'rate', 'answered', 'answered',
				jsonb_build_object('rating', rating) FROM appeals WHERE rating IS NOT NULL
			UNION ALL
			SELECT id, closed_at, 'resident', 'close', 'answered', 'closed', '{"solved":"yes"}' FROM appeals WHERE state = 'closed'
			UNION ALL
			SELECT id, answered_at + interval '90 minutes', 'resident', 'reopen', 'answered', 'reopened', '{"solved":"no"}'
			FROM appeals WHERE answered_at IS NOT NULL AND id % 100 < 3
		) e ORDER BY at`)
	for _, sql := range rebuild {
		exec(sql)
	}
	// Deadline control's records: the reminder 3 days before the deadline
	// of every appeal not answered by then; the escalation, at 08:00 on
	// the day the deadline passes, of every appeal still open after it;
	// the 59-ФЗ alert on day 7 of every appeal left in triage.
	exec(`
		INSERT INTO deadline_alerts (appeal_id, threshold, due_at, sent_at)
		SELECT id, 'remind_3', due_at, due_at - interval '3 days' FROM appeals
		WHERE (answered_at IS NULL OR answered_at > due_at - interval '3 days') AND due_at - interval '3 days' < $1
		UNION ALL
		SELECT id, 'escalate', due_at,
			(date_trunc('day', due_at AT TIME ZONE 'Europe/Moscow') + interval '8 hours') AT TIME ZONE 'Europe/Moscow'
		FROM appeals WHERE `+storage.OpenAppealsSQL+` AND due_at < $1
		UNION ALL
		SELECT id, 'redirect_escalate', created_at + interval '7 days', created_at + interval '7 days' FROM appeals
		WHERE direction IS NULL AND `+storage.OpenAppealsSQL+` AND created_at + interval '7 days' < $1`, now)
	exec(`VACUUM ANALYZE appeals, appeal_events, deadline_alerts`)
}

// bulkLoad returns the statements that drop the secondary indexes and the
// foreign keys of appeals and appeal_events, and those that build them
// again from their own definitions: loading rows without them and
// building them after takes a fraction of the time.
func bulkLoad(b *testing.B, db *storage.DB) (drop, rebuild []string) {
	b.Helper()
	rows, err := db.Pool().Query(context.Background(), `
		SELECT 'DROP INDEX ' || indexname, indexdef FROM pg_indexes i
		WHERE tablename IN ('appeals', 'appeal_events') AND schemaname = 'public'
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
		UNION ALL
		SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname),
			format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
		FROM pg_constraint WHERE contype = 'f' AND conrelid IN ('appeals'::regclass, 'appeal_events'::regclass)`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var d, r string
		if err := rows.Scan(&d, &r); err != nil {
			b.Fatal(err)
		}
		drop, rebuild = append(drop, d), append(rebuild, r)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return drop, rebuild
}

// count returns the number of rows of a table.
func count(b *testing.B, db *storage.DB, table string) int {
	b.Helper()
	var n int
	if err := db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// explain returns the EXPLAIN ANALYZE of a query, its second run (the
// first warms the cache, as a daily digest's would not be: the figures
// are read from a database in use).
func explain(b *testing.B, db *storage.DB, q storage.DigestQuery) string {
	b.Helper()
	var out []string
	for range 2 {
		out = nil
		rows, err := db.Pool().Query(context.Background(), `EXPLAIN (ANALYZE, BUFFERS) `+q.SQL, q.Args...)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				b.Fatal(err)
			}
			out = append(out, "    "+line)
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
	}
	return strings.Join(out, "\n")
}
