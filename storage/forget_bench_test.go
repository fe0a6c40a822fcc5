package storage_test

import (
	"context"
	"testing"
	"time"

	"mcu/internal/dbtest"
)

// BenchmarkForgetExpired is the nightly forget job's work on 10,000
// residents past the retention period, each with a closed appeal, three
// events quoting them and a sent message, and then what ExpireMessages
// does to 10,000 old messages more. It reports residents forgotten a
// second and the job's whole time:
//
//	go test -run '^$' -bench ForgetExpired -benchtime 1x ./storage
func BenchmarkForgetExpired(b *testing.B) {
	const residents = 10_000
	ctx := context.Background()
	now := time.Now()
	for range b.N {
		b.StopTimer()
		db := dbtest.New(b)
		old := now.AddDate(-6, 0, 0)
		for _, q := range []string{
			`INSERT INTO residents (telegram_user_id, chat_id, name, phone, consent_at, created_at)
				SELECT g, g, 'Имя ' || g, '+7911' || g, $1, $1 FROM generate_series(1, $2) g`,
			`INSERT INTO appeals (year, seq, kind, source, state, direction, resident_id, text, address,
					created_at, updated_at, registered_at, closed_at)
				SELECT 2020, r.id, 'message', 'bot', 'closed', 'housing', r.id, 'Текст ' || r.id, 'ул. Ленина, ' || r.id,
					$1, $1, $1, $1 FROM residents r WHERE $2 > 0`,
			`INSERT INTO appeal_events (appeal_id, at, actor_kind, actor_id, event, from_state, to_state, payload)
				SELECT a.id, $1, 'resident', a.resident_id, 'resident_commented', 'assigned', 'assigned',
					jsonb_build_object('text', 'Дополнение ' || a.id)
				FROM appeals a CROSS JOIN generate_series(1, 3) WHERE $2 > 0`,
			`INSERT INTO outbox (appeal_id, chat_id, kind, payload, sent_at)
				SELECT a.id, a.resident_id, 'notification', jsonb_build_object('text', 'Ответ ' || a.id), $1
				FROM appeals a CROSS JOIN generate_series(1, 2) WHERE $2 > 0`,
		} {
			dbtest.Exec(b, db, q, old, residents)
		}
		b.StartTimer()
		start := time.Now()
		forgotten, _, err := db.ForgetExpired(ctx, now.AddDate(-5, 0, 0), now, 500)
		if err != nil || forgotten != residents {
			b.Fatalf("forgot %d residents, %v; want %d", forgotten, err, residents)
		}
		forget := time.Since(start)
		if _, err := db.ExpireMessages(ctx, now, 500); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(residents/forget.Seconds(), "residents/s")
		b.ReportMetric(time.Since(start).Seconds(), "s/job")
	}
}
