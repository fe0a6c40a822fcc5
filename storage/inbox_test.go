package storage_test

import (
	"testing"

	"mcu/internal/dbtest"
	"mcu/tgstate"
)

// A rejected update is kept 30 days: saving one deletes the older ones.
func TestSaveRejectedKeepsThirtyDays(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := t.Context()
	for _, r := range []tgstate.RejectedUpdate{
		{UpdateID: 1, Size: 3, Body: []byte("old"), Reason: "undecodable"},
		{UpdateID: 2, Size: 6, Body: []byte("recent"), Reason: "undecodable"},
	} {
		if err := db.SaveRejected(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	dbtest.Exec(t, db, `UPDATE rejected_updates SET received_at = now() - interval '31 days' WHERE update_id = 1`)
	dbtest.Exec(t, db, `UPDATE rejected_updates SET received_at = now() - interval '29 days' WHERE update_id = 2`)
	if err := db.SaveRejected(ctx, tgstate.RejectedUpdate{Size: 0, Reason: "no update_id"}); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	rows, err := db.Pool().Query(ctx, `SELECT coalesce(update_id, 0) FROM rejected_updates ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if rows.Err() != nil || len(ids) != 2 || ids[0] != 2 || ids[1] != 0 {
		t.Errorf("kept %v (%v), want [2 0]", ids, rows.Err())
	}
}
