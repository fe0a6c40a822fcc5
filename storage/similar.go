package storage

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"mcu/outbox"
)

// DefaultSimilarWindow is how far apart in time similar appeals are
// looked for unless SetSimilarWindow says otherwise (MCU_SIMILAR_WINDOW).
const DefaultSimilarWindow = 72 * time.Hour

// SimilarThreshold is the least pg_trgm similarity of two appeals' normal
// texts (package similar) for them to be similar; tuned on
// storage/testdata/similar_appeals.json (docs/similar.md).
const SimilarThreshold = 0.15

// SimilarDistance is how close, in metres, the locations of two similar
// appeals are.
const SimilarDistance = 300

// SetSimilarWindow sets how far apart in time similar appeals are looked
// for; zero or less keeps the default.
func (db *DB) SetSimilarWindow(d time.Duration) {
	if d > 0 {
		db.similarWindow = d
	}
}

// SimilarAppeal is an open appeal similar to another: about the same
// problem in the same place, registered within the window.
type SimilarAppeal struct {
	ID      int64
	Number  string
	Address string
	Score   float64 // pg_trgm similarity of the normal texts, 0..1
}

// FindSimilar returns up to limit open appeals similar to appeal
// appealID, the most similar first, and how many there are in all. An
// appeal is similar when it was registered within window of appealID
// (before or after), is not in a final state, is in the same place (its
// location within SimilarDistance, or the same address key, or the same
// street of the same settlement) and its normal text is at least
// SimilarThreshold similar.
func (db *DB) FindSimilar(ctx context.Context, appealID int64, window time.Duration, limit int) ([]SimilarAppeal, int, error) {
	var out []SimilarAppeal
	var total int
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(ptx pgx.Tx) error {
		var err error
		out, total, err = findSimilar(ctx, ptx, appealID, window, limit)
		return err
	})
	return out, total, err
}

// similarQuery finds the appeals similar to $1 within $2 seconds, $3 at
// most. The trigram operator % (pg_trgm.similarity_threshold, set for the
// transaction) can use the GIN index; the bounding box narrows the
// haversine distance.
var similarQuery = `
	WITH me AS (
		SELECT id, created_at, similar_text, address_key, street_key, latitude, longitude,
			` + strconv.Itoa(SimilarDistance) + ` / 111320.0 AS dlat,
			` + strconv.Itoa(SimilarDistance) + ` / (111320.0 * greatest(cos(radians(coalesce(latitude, 0))), 0.01)) AS dlon
		FROM appeals WHERE id = $1 AND similar_text <> '')
	SELECT a.id, a.number, a.address, similarity(a.similar_text, me.similar_text) AS score, count(*) OVER ()
	FROM appeals a, me
	WHERE a.id <> me.id AND a.number IS NOT NULL
		AND a.state NOT IN ('closed', 'rejected', 'redirected', 'withdrawn', 'answered') -- openAppeals, as the index appeals_created_open
		AND a.created_at >= me.created_at - make_interval(secs => $2)
		AND a.created_at <= me.created_at + make_interval(secs => $2)
		AND a.similar_text % me.similar_text
		AND ((me.latitude IS NOT NULL
				AND a.latitude BETWEEN me.latitude - me.dlat AND me.latitude + me.dlat
				AND a.longitude BETWEEN me.longitude - me.dlon AND me.longitude + me.dlon
				AND 2 * 6371000 * asin(sqrt(
					power(sin(radians(a.latitude - me.latitude) / 2), 2) +
					cos(radians(me.latitude)) * cos(radians(a.latitude)) *
					power(sin(radians(a.longitude - me.longitude) / 2), 2))) <= ` + strconv.Itoa(SimilarDistance) + `)
			OR (me.address_key <> '' AND a.address_key = me.address_key)
			OR (me.street_key <> '' AND a.street_key = me.street_key))
	ORDER BY score DESC, a.id
	LIMIT $3`

func findSimilar(ctx context.Context, q querier, appealID int64, window time.Duration, limit int) ([]SimilarAppeal, int, error) {
	if window <= 0 {
		window = DefaultSimilarWindow
	}
	_, err := q.Exec(ctx, `SELECT set_config('pg_trgm.similarity_threshold', $1, true)`,
		strconv.FormatFloat(SimilarThreshold, 'f', -1, 64))
	if err != nil {
		return nil, 0, fmt.Errorf("storage: unable to set the similarity threshold: %w", err)
	}
	rows, err := q.Query(ctx, similarQuery, appealID, window.Seconds(), limit)
	if err != nil {
		return nil, 0, fmt.Errorf("storage: unable to find appeals similar to %d: %w", appealID, err)
	}
	var total int
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (SimilarAppeal, error) {
		var s SimilarAppeal
		err := row.Scan(&s.ID, &s.Number, &s.Address, &s.Score, &total)
		return s, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("storage: unable to read appeals similar to %d: %w", appealID, err)
	}
	return out, total, nil
}

// loadSimilar sets m.Similar: the appeal most similar to m's and how many
// there are.
func (t *Tx) loadSimilar(ctx context.Context, m *outbox.Message) error {
	found, total, err := findSimilar(ctx, t.tx, m.Appeal.ID, t.similarWindow, 1)
	if err != nil {
		return err
	}
	if len(found) > 0 {
		m.Similar = outbox.Similar{Number: found[0].Number, Address: found[0].Address, Count: total}
	}
	return nil
}
