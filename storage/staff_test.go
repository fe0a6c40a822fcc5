package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"mcu/internal/dbtest"
	"mcu/storage"
	"mcu/workflow"
)

// staffTx runs fn in one staff transaction, failing the test on error.
func staffTx(t *testing.T, db *storage.DB, fn func(ctx context.Context, tx workflow.StaffTx) error) {
	t.Helper()
	if err := db.InStaffTx(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func TestInviteRows(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	inv := workflow.Invite{Code: "abc", Role: workflow.RoleExecutor, Direction: "housing", CreatedBy: 1,
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	staffTx(t, db, func(ctx context.Context, tx workflow.StaffTx) error {
		if _, found, err := tx.FindInviteForUpdate(ctx, "abc"); err != nil || found {
			t.Errorf("an unknown code: found %v, %v", found, err)
		}
		if err := tx.InsertInvite(ctx, inv); err != nil {
			return err
		}
		got, found, err := tx.FindInviteForUpdate(ctx, "abc")
		if err != nil || !found || !got.CreatedAt.Equal(inv.CreatedAt) || !got.ExpiresAt.Equal(inv.ExpiresAt) {
			t.Errorf("stored %+v, %v, %v; want %+v", got, found, err, inv)
		}
		got.CreatedAt, got.ExpiresAt = inv.CreatedAt, inv.ExpiresAt
		if got != inv {
			t.Errorf("stored %+v, want %+v", got, inv)
		}
		if err := tx.MarkInviteUsed(ctx, "abc", 7, now.Add(time.Minute)); err != nil {
			return err
		}
		got, _, err = tx.FindInviteForUpdate(ctx, "abc")
		if err != nil || got.UsedBy != 7 || !got.UsedAt.Equal(now.Add(time.Minute)) {
			t.Errorf("after MarkInviteUsed: %+v, %v", got, err)
		}
		return nil
	})
	// Unscoped: no direction is stored as NULL.
	staffTx(t, db, func(ctx context.Context, tx workflow.StaffTx) error {
		return tx.InsertInvite(ctx, workflow.Invite{Code: "op", Role: workflow.RoleOperator, CreatedBy: 1, CreatedAt: now, ExpiresAt: now})
	})
	var nulls int
	if err := db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM invites WHERE direction IS NULL`).Scan(&nulls); err != nil || nulls != 1 {
		t.Errorf("%d invites with no direction (%v), want 1", nulls, err)
	}
}

func TestRoleRows(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	g := workflow.Grant{Role: workflow.RoleCurator, Direction: "housing"}
	staffTx(t, db, func(ctx context.Context, tx workflow.StaffTx) error {
		if err := tx.GrantRole(ctx, 5, "Иван", g, 1); err != nil {
			return err
		}
		if err := tx.GrantRole(ctx, 5, "", g, 1); err != nil { // held already; the name stays
			return err
		}
		if held, err := tx.DeleteRole(ctx, 5, workflow.Grant{Role: workflow.RoleCurator, Direction: "social"}); err != nil || held {
			t.Errorf("delete a role of another direction: %v, %v", held, err)
		}
		if held, err := tx.DeleteRole(ctx, 5, g); err != nil || !held {
			t.Errorf("delete a role held: %v, %v", held, err)
		}
		if held, err := tx.DeleteRole(ctx, 5, g); err != nil || held {
			t.Errorf("delete it again: %v, %v", held, err)
		}
		return nil
	})
	names, err := db.FindStaffNames(context.Background())
	if err != nil || names[5] != "Иван" {
		t.Errorf("names %v, %v", names, err)
	}
}

func TestBindingRows(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	housing := workflow.Binding{ChatID: -1, ThreadID: 3, Purpose: workflow.BindDirection, Direction: "housing", BoundBy: 1, BoundAt: now}
	triage := workflow.Binding{ChatID: -2, Purpose: workflow.BindTriage, BoundBy: 1, BoundAt: now}
	staffTx(t, db, func(ctx context.Context, tx workflow.StaffTx) error {
		for _, b := range []workflow.Binding{housing, triage} {
			if err := tx.InsertBinding(ctx, b); err != nil {
				return err
			}
		}
		if _, found, err := tx.DeleteChatBinding(ctx, -1, 0); err != nil || found {
			t.Errorf("delete the binding of a chat whose topic is bound: %v, %v", found, err)
		}
		got, found, err := tx.DeleteChatBinding(ctx, -1, 3)
		if err != nil || !found || !got.BoundAt.Equal(now) {
			t.Errorf("delete the topic's binding: %+v, %v, %v", got, found, err)
		}
		got.BoundAt = now
		if got != housing {
			t.Errorf("deleted %+v, want %+v", got, housing)
		}
		if err := tx.DeleteTargetBinding(ctx, workflow.BindDirection, "social"); err != nil {
			return err
		}
		return tx.DeleteTargetBinding(ctx, workflow.BindTriage, "")
	})
	if list, err := db.FindBindings(context.Background()); err != nil || len(list) != 0 {
		t.Errorf("bindings left: %v, %v", list, err)
	}
}

func TestChatlessOutbox(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	var ids []int64
	for _, q := range []string{
		`INSERT INTO outbox (kind, payload) VALUES ('card', '{"Direction": "housing", "Event": "route"}') RETURNING id`,
		`INSERT INTO outbox (kind, payload) VALUES ('chat', '{"Direction": 5}') RETURNING id`, // unreadable
		`INSERT INTO outbox (kind, payload, sent_at) VALUES ('card', '{}', now()) RETURNING id`,
		`INSERT INTO outbox (kind, payload, failed_at) VALUES ('card', '{}', now()) RETURNING id`,
		`INSERT INTO outbox (chat_id, kind, payload) VALUES (-9, 'card', '{}') RETURNING id`,
	} {
		var id int64
		if err := db.Pool().QueryRow(ctx, q).Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	staffTx(t, db, func(ctx context.Context, tx workflow.StaffTx) error {
		got, err := tx.FindChatlessOutbox(ctx)
		if err != nil {
			return err
		}
		want := []workflow.QueuedNotification{
			{ID: ids[0], Notification: workflow.Notification{Audience: workflow.AudienceCard, Direction: "housing", Event: workflow.EventRoute}},
			{ID: ids[1], Notification: workflow.Notification{Audience: workflow.AudienceChat}},
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("queued %+v, want %+v", got, want)
		}
		if n, err := tx.AttachOutbox(ctx, nil, -1, 0); err != nil || n != 0 {
			t.Errorf("attach nothing: %d, %v", n, err)
		}
		n, err := tx.AttachOutbox(ctx, []int64{ids[0]}, -1, 4)
		if err != nil || n != 1 {
			t.Errorf("attach one: %d, %v", n, err)
		}
		return nil
	})
	var chat int64
	var thread int
	if err := db.Pool().QueryRow(ctx, `SELECT chat_id, thread_id FROM outbox WHERE id = $1`, ids[0]).Scan(&chat, &thread); err != nil || chat != -1 || thread != 4 {
		t.Errorf("attached to %d/%d (%v), want -1/4", chat, thread, err)
	}
}
