package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"mcu/workflow"
)

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
