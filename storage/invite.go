package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"mcu/workflow"
)

// CreateInvite stores a new invitation and records it in the staff audit
// trail.
func (db *DB) CreateInvite(ctx context.Context, inv workflow.Invite, act workflow.StaffAction) error {
	return db.InTxStore(ctx, func(ctx context.Context, t *Tx) error {
		_, err := t.tx.Exec(ctx, `
			INSERT INTO invites (code, role, direction, created_by, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6)`,
			inv.Code, inv.Role, nullString(inv.Direction), inv.CreatedBy, inv.CreatedAt, inv.ExpiresAt)
		if err != nil {
			return fmt.Errorf("storage: unable to create invite: %w", mapError(err))
		}
		return t.RecordStaffAction(ctx, act)
	})
}

// UseInvite redeems an invitation for a user at now: it grants the role,
// marks the code used and records the grant, all in one transaction. A
// used code fails with workflow.ErrInviteUsed, an expired one with
// workflow.ErrInviteExpired, an unknown one with a not-found error; none of
// them grants anything.
func (db *DB) UseInvite(ctx context.Context, code string, userID int64, name string, now time.Time) (workflow.Invite, error) {
	var inv workflow.Invite
	err := db.InTxStore(ctx, func(ctx context.Context, t *Tx) error {
		var usedBy *int64
		var usedAt *time.Time
		err := t.tx.QueryRow(ctx, `
			SELECT code, role, coalesce(direction, ''), created_by, created_at, expires_at, used_by, used_at
			FROM invites WHERE code = $1 FOR UPDATE`, code).Scan(
			&inv.Code, &inv.Role, &inv.Direction, &inv.CreatedBy, &inv.CreatedAt, &inv.ExpiresAt, &usedBy, &usedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return workflow.Errorf(workflow.ENotFound, "invite not found")
		}
		if err != nil {
			return fmt.Errorf("storage: unable to find invite: %w", err)
		}
		switch {
		case usedBy != nil:
			return workflow.ErrInviteUsed
		case !now.Before(inv.ExpiresAt):
			return workflow.ErrInviteExpired
		}
		g := workflow.Grant{Role: inv.Role, Direction: inv.Direction}
		if err := t.GrantRole(ctx, userID, name, g, inv.CreatedBy); err != nil {
			return err
		}
		if _, err := t.tx.Exec(ctx, `UPDATE invites SET used_by = $2, used_at = $3 WHERE code = $1`,
			code, userID, now); err != nil {
			return fmt.Errorf("storage: unable to mark invite used: %w", err)
		}
		inv.UsedBy, inv.UsedAt = userID, now
		return t.RecordStaffAction(ctx, workflow.StaffAction{
			At: now, ActorID: userID, Role: inv.Role, Action: workflow.ActionGrant,
			Details: grantDetails(g) + " invited by " + fmt.Sprint(inv.CreatedBy),
		})
	})
	return inv, err
}

// InsertInvite stores a new invitation.
func (t *Tx) InsertInvite(ctx context.Context, inv workflow.Invite) error {
	_, err := t.tx.Exec(ctx, `
		INSERT INTO invites (code, role, direction, created_by, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		inv.Code, inv.Role, nullString(inv.Direction), inv.CreatedBy, inv.CreatedAt, inv.ExpiresAt)
	if err != nil {
		return fmt.Errorf("storage: unable to create invite: %w", mapError(err))
	}
	return nil
}

// FindInviteForUpdate loads an invitation and locks it until the
// transaction ends; found is false when there is no such code. UsedBy and
// UsedAt are zero while it is unused.
func (t *Tx) FindInviteForUpdate(ctx context.Context, code string) (inv workflow.Invite, found bool, err error) {
	var usedBy *int64
	var usedAt *time.Time
	err = t.tx.QueryRow(ctx, `
		SELECT code, role, coalesce(direction, ''), created_by, created_at, expires_at, used_by, used_at
		FROM invites WHERE code = $1 FOR UPDATE`, code).Scan(
		&inv.Code, &inv.Role, &inv.Direction, &inv.CreatedBy, &inv.CreatedAt, &inv.ExpiresAt, &usedBy, &usedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return workflow.Invite{}, false, nil
	}
	if err != nil {
		return workflow.Invite{}, false, fmt.Errorf("storage: unable to find invite: %w", err)
	}
	if usedBy != nil {
		inv.UsedBy = *usedBy
	}
	if usedAt != nil {
		inv.UsedAt = *usedAt
	}
	return inv, true, nil
}

// MarkInviteUsed records who used an invitation and when.
func (t *Tx) MarkInviteUsed(ctx context.Context, code string, userID int64, at time.Time) error {
	if _, err := t.tx.Exec(ctx, `UPDATE invites SET used_by = $2, used_at = $3 WHERE code = $1`,
		code, userID, at); err != nil {
		return fmt.Errorf("storage: unable to mark invite used: %w", mapError(err))
	}
	return nil
}

func grantDetails(g workflow.Grant) string {
	if g.Direction != "" {
		return string(g.Role) + " " + g.Direction
	}
	return string(g.Role)
}
