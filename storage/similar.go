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
// location within SimilarDistance, or the same street of the same
// settlement: the same house included) and its normal text is at least
// SimilarThreshold similar.
func (db *DB) FindSimilar(ctx context.Context, appealID int64, window time.Duration, limit int) ([]SimilarAppeal, int, error) {
	return findSimilar(ctx, db.pool, appealID, window, limit)
}

// similarQuery finds the open appeals similar to $1 within $2 seconds
// of it, $3 at most, at least $4 similar: the candidates in the same
// place first, by two indexes (the same street: appeals_similar_street;
// a pin within a bounding box: appeals_similar_pin, then the haversine
// distance), then pg_trgm's similarity() over the few found. A trigram
// index would not help: at the threshold a third of all appeals share
// enough trigrams with any text (docs/similar.md).
var similarQuery = `
	WITH me AS (
		SELECT id, created_at - make_interval(secs => $2) AS since, created_at + make_interval(secs => $2) AS until,
			similar_text, street_key, latitude, longitude,
			` + distance + ` / 111320.0 AS dlat,
			` + distance + ` / (111320.0 * greatest(cos(radians(coalesce(latitude, 0))), 0.01)) AS dlon
		FROM appeals WHERE id = $1 AND similar_text <> ''),
	near AS (
		SELECT a.id, a.number, a.address, a.similar_text
		FROM appeals a, me
		WHERE a.street_key <> '' AND a.street_key = me.street_key
			AND a.created_at BETWEEN me.since AND me.until
			AND a.` + openAppeals + `
		UNION
		SELECT a.id, a.number, a.address, a.similar_text
		FROM appeals a, me
		WHERE a.latitude BETWEEN me.latitude - me.dlat AND me.latitude + me.dlat
			AND a.longitude BETWEEN me.longitude - me.dlon AND me.longitude + me.dlon
			AND a.created_at BETWEEN me.since AND me.until
			AND a.` + openAppeals + `
			AND 2 * 6371000 * asin(sqrt(
				power(sin(radians(a.latitude - me.latitude) / 2), 2) +
				cos(radians(me.latitude)) * cos(radians(a.latitude)) *
				power(sin(radians(a.longitude - me.longitude) / 2), 2))) <= ` + distance + `),
	scored AS MATERIALIZED ( -- similarity() once a row
		SELECT n.id, n.number, n.address, similarity(n.similar_text, me.similar_text) AS score
		FROM near n, me
		WHERE n.id <> me.id AND n.number IS NOT NULL)
	SELECT id, number, address, score, count(*) OVER ()
	FROM scored
	WHERE score >= $4
	ORDER BY score DESC, id
	LIMIT $3`

// distance is SimilarDistance in SQL.
var distance = strconv.Itoa(SimilarDistance)

func findSimilar(ctx context.Context, q querier, appealID int64, window time.Duration, limit int) ([]SimilarAppeal, int, error) {
	if window <= 0 {
		window = DefaultSimilarWindow
	}
	rows, err := q.Query(ctx, similarQuery, appealID, window.Seconds(), limit, SimilarThreshold)
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

// loadSimilar sets m.Similar: the appeal most similar to m's, how many
// there are, and the open incident of the most similar one joined to one.
func (t *Tx) loadSimilar(ctx context.Context, m *outbox.Message) error {
	found, total, err := findSimilar(ctx, t.tx, m.Appeal.ID, t.similarWindow, similarLooked)
	if err != nil {
		return err
	}
	if len(found) > 0 {
		m.Similar = outbox.Similar{Number: found[0].Number, Address: found[0].Address, Count: total}
	}
	// A similar appeal in an open incident: the card offers to join it.
	return similarIncident(ctx, t.tx, found, &m.Similar)
}
